package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Bodies for error responses: {@code www/<status>.html} when the site has one, a small built-in page
 * otherwise. Site pages are read once when the server starts (and again on reload), so answering an error
 * never touches the disk from an event loop.
 */
public final class ErrorPages {

    /** Pages larger than this are ignored: an error page is not a place for a video. */
    private static final long MAX_PAGE_BYTES = 256 * 1024;
    private static final Pattern STATUS_PAGE = Pattern.compile("[1-5][0-9][0-9]\\.html");

    private final Map<Integer, ByteBuf> sitePages;

    private ErrorPages(Map<Integer, ByteBuf> sitePages) {
        this.sitePages = sitePages;
    }

    /** Reads every {@code NNN.html} in the document root. Unreadable pages are skipped, never fatal. */
    public static ErrorPages load(Path wwwPath) {
        Map<Integer, ByteBuf> pages = new HashMap<>();
        try (var entries = Files.newDirectoryStream(wwwPath, "[1-5][0-9][0-9].html")) {
            for (Path page : entries) {
                String name = page.getFileName().toString();
                if (STATUS_PAGE.matcher(name).matches() && Files.isRegularFile(page)
                        && Files.size(page) <= MAX_PAGE_BYTES) {
                    byte[] bytes = Files.readAllBytes(page);
                    pages.put(Integer.parseInt(name.substring(0, 3)),
                            Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes).asReadOnly()));
                }
            }
        } catch (IOException e) {
            return new ErrorPages(Map.of());
        }
        return new ErrorPages(Map.copyOf(pages));
    }

    public static ErrorPages builtInOnly() {
        return new ErrorPages(Map.of());
    }

    /** Gives an error response with an empty body its page (and Content-Type); leaves others alone. */
    public Response fill(Response response) {
        int code = response.status().code();
        if (code < 400 || !(response.body() instanceof Body.Empty)
                || response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return response;
        }
        ByteBuf page = sitePages.get(code);
        ByteBuf body = page != null ? page.retainedDuplicate() : builtIn(response.status());
        Response filled = new Response(response.status(), response.headers(), Body.of(body));
        filled.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        return filled.closeConnection(response.closeConnection());
    }

    private static ByteBuf builtIn(HttpResponseStatus status) {
        String title = status.code() + " " + escape(status.reasonPhrase());
        String html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head>\n<body><h1>" + title + "</h1><hr><p>Carbon</p></body></html>\n";
        return Unpooled.copiedBuffer(html, StandardCharsets.UTF_8);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
