package io.carbon.server;

import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * The plain port's only answer when {@code redirect_to_https = true}: 301 to the same host, the HTTPS port and
 * the same target. The host comes from the request (validated by the branch), else from {@code server_name}.
 */
final class HttpsRedirect implements HttpHandler {

    private final String fallbackHost;
    private final IntSupplier httpsPort;

    /** @param httpsPort the bound HTTPS port (known only once it is bound, when https_port = 0) */
    HttpsRedirect(String serverName, IntSupplier httpsPort) {
        this.fallbackHost = serverName.contains(":") && !serverName.startsWith("[") ? "[" + serverName + "]" : serverName;
        this.httpsPort = httpsPort;
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        String target = "*".equals(request.target()) ? "/" : request.target();
        Response redirect = Response.of(HttpResponseStatus.MOVED_PERMANENTLY);
        int port = httpsPort.getAsInt();
        redirect.headers().set(HttpHeaderNames.LOCATION,
                "https://" + hostOf(request) + (port == 443 ? "" : ":" + port) + target);
        return CompletableFuture.completedFuture(redirect);
    }

    /** The Host header without its port; IPv6 literals keep their brackets. */
    private String hostOf(Request request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null || host.isEmpty()) {
            return fallbackHost;
        }
        int close = host.lastIndexOf(']');
        int colon = host.lastIndexOf(':');
        return colon > close ? host.substring(0, colon) : host;
    }
}
