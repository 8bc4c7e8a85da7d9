package io.carbon.staticfiles;

import io.carbon.config.FilesConfig;
import io.carbon.http.Body;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;

/**
 * Serves GET and HEAD from {@code www_path}: safe path resolution, index files, directory redirects,
 * Content-Type, validators, conditional requests and ranges. File system work runs on the blocking pool.
 *
 * <p>Responses: 200/206 carry Content-Type, an explicit Content-Length, ETag, Last-Modified,
 * {@code Accept-Ranges: bytes} and Cache-Control (when configured), and a zero-copy
 * {@link Body.FileSegment} body. 304 carries ETag, Last-Modified and Cache-Control and no Content-Length
 * (RFC 9110 §15.4.5, §8.6). Errors (400, 403, 404, 412, 416, 500, 503) and the 301 directory redirect are
 * {@code Response.of(status)} with an empty body and no Content-Length: the protocol branch supplies the
 * error page and frames it.
 *
 * <p>HEAD: no body channel is opened (readability is checked with access(2) so HEAD and GET agree on 403),
 * and Range is ignored, because RFC 9110 §14.2 defines range handling for GET only and requires a server to
 * ignore Range for other methods.
 */
public final class StaticFileHandler implements HttpHandler {

    /** Opens a file for reading; replaceable in tests (e.g. to simulate permission denied as root). */
    @FunctionalInterface
    interface FileOpener {
        FileChannel open(Path path) throws IOException;
    }

    private final FilesConfig config;
    private final Executor blockingPool;
    private final PathResolver resolver;
    private final MimeTypes mimeTypes;
    private final FileOpener opener;
    private final LongSupplier nowSeconds;

    public StaticFileHandler(FilesConfig config, Executor blockingPool) {
        this(config, blockingPool, new MimeTypes(), p -> FileChannel.open(p, StandardOpenOption.READ),
                () -> System.currentTimeMillis() / 1000L);
    }

    StaticFileHandler(FilesConfig config, Executor blockingPool, MimeTypes mimeTypes, FileOpener opener,
                      LongSupplier nowSeconds) {
        this.config = config;
        this.blockingPool = blockingPool;
        this.resolver = new PathResolver(config);
        this.mimeTypes = mimeTypes;
        this.opener = opener;
        this.nowSeconds = nowSeconds;
    }

    /**
     * Serves on the blocking pool. Failures (a bug, or the bounded pool being full) complete the future
     * exceptionally: {@link io.carbon.http.Exchanges} turns them into 500 (logged) or 503 with Retry-After,
     * the same for every feature.
     */
    @Override
    public CompletableFuture<Response> handle(Request request) {
        CompletableFuture<Response> future = new CompletableFuture<>();
        try {
            blockingPool.execute(() -> {
                try {
                    future.complete(serve(request));
                } catch (Throwable t) {
                    future.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    private Response serve(Request request) {
        PathResolver.Resolution lexical = resolver.resolve(request.rawPath());
        if (lexical instanceof PathResolver.Rejected rejected) {
            return Response.of(rejected.status());
        }
        PathResolver.Found found = (PathResolver.Found) lexical;
        try {
            PathResolver.Resolution confined = resolver.confine(found.path());
            if (confined instanceof PathResolver.Rejected rejected) {
                return Response.of(rejected.status());
            }
            Path real = ((PathResolver.Found) confined).path();
            FileStat stat = FileStat.read(real);
            if (stat.directory()) {
                if (!found.trailingSlash()) {
                    return redirectToDirectory(request);
                }
                return serveIndex(request, found.path());
            }
            if (found.trailingSlash() || !stat.regularFile()) {
                // "/file.html/" names a directory that does not exist; FIFOs, devices and sockets are not
                // content to serve (reading a FIFO would block a pool thread forever).
                return Response.of(HttpResponseStatus.NOT_FOUND);
            }
            return serveFile(request, real, stat, found.path().getFileName().toString());
        } catch (IOException e) {
            return errorFor(e);
        }
    }

    private Response serveIndex(Request request, Path directory) throws IOException {
        for (String index : config.indexFiles()) {
            PathResolver.Resolution confined = resolver.confine(directory.resolve(index));
            if (confined instanceof PathResolver.Found file) {
                FileStat stat = FileStat.read(file.path());
                if (stat.regularFile()) {
                    return serveFile(request, file.path(), stat, index);
                }
            }
        }
        return Response.of(HttpResponseStatus.NOT_FOUND); // no directory listings
    }

    /**
     * 301 to the same path plus '/', so relative links in the index resolve against the directory. The
     * path is the raw one, percent-encoding preserved, and the query is kept.
     */
    private static Response redirectToDirectory(Request request) {
        String path = request.rawPath();
        // "//host/dir" would be a network-path reference (RFC 3986 §4.2) and redirect off-site: collapse
        // leading slashes to one.
        int i = 0;
        while (i + 1 < path.length() && path.charAt(i + 1) == '/') {
            i++;
        }
        String location = path.substring(i) + '/' + (request.query() == null ? "" : "?" + request.query());
        Response response = Response.of(HttpResponseStatus.MOVED_PERMANENTLY);
        response.headers().set(HttpHeaderNames.LOCATION, location);
        return response;
    }

    private Response serveFile(Request request, Path path, FileStat stat, String fileName) throws IOException {
        boolean head = request.isHead();
        FileChannel channel = null;
        try {
            if (head) {
                if (!Files.isReadable(path)) {
                    return Response.of(HttpResponseStatus.FORBIDDEN);
                }
            } else {
                channel = opener.open(path);
                if (channel.size() != stat.size()) {
                    // Changed between stat and open: describe what we will actually send.
                    stat = FileStat.read(path);
                }
            }
            String etag = ETags.etag(stat);
            long lastModified = stat.mtimeSeconds();
            long now = nowSeconds.getAsLong();

            HttpHeaders headers = new DefaultHttpHeaders();
            headers.set(HttpHeaderNames.ETAG, etag);
            headers.set(HttpHeaderNames.LAST_MODIFIED, ETags.httpDate(lastModified));
            if (!config.cacheControl().isEmpty()) {
                headers.set(HttpHeaderNames.CACHE_CONTROL, config.cacheControl());
            }

            switch (Preconditions.evaluate(request.method(), request.headers(), etag, lastModified, now)) {
                case NOT_MODIFIED:
                    // No content and no Content-Length (RFC 9110 §15.4.5); the validators and Cache-Control
                    // let the client refresh its stored response.
                    return new Response(HttpResponseStatus.NOT_MODIFIED, headers, Body.EMPTY);
                case PRECONDITION_FAILED:
                    return Response.of(HttpResponseStatus.PRECONDITION_FAILED);
                default:
                    break;
            }

            final FileChannel source = channel;
            String contentType = mimeTypes.contentType(fileName, etag, () -> prefix(path, source));
            headers.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);

            Ranges.Decision decision = new Ranges.Full();
            String range = request.headers().get(HttpHeaderNames.RANGE);
            // Range is defined for GET only (RFC 9110 §14.2); If-Range false means "send it all" (§13.1.5).
            if (range != null && HttpMethod.GET.equals(request.method())
                    && Ranges.ifRangeAllows(request.headers().get(HttpHeaderNames.IF_RANGE), etag, lastModified,
                    now)) {
                decision = Ranges.evaluate(range, stat.size());
            }

            if (decision instanceof Ranges.Unsatisfiable) {
                Response response = Response.of(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + stat.size());
                response.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
                return response;
            }
            if (decision instanceof Ranges.Partial partial) {
                List<Ranges.ByteRange> ranges = partial.ranges();
                Body body;
                if (ranges.size() == 1) {
                    Ranges.ByteRange only = ranges.get(0);
                    headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
                    headers.set(HttpHeaderNames.CONTENT_RANGE, only.contentRange(stat.size()));
                    body = new Body.FileSegment(channel, only.first(), only.length(), blockingPool);
                    channel = null; // owned by the body now
                } else {
                    String boundary = MultipartByteRanges.newBoundary();
                    headers.set(HttpHeaderNames.CONTENT_TYPE, MultipartByteRanges.contentType(boundary));
                    // Each part opens its own channel (each segment closes its own); ours is closed below.
                    body = MultipartByteRanges.build(ranges, stat.size(), contentType, boundary,
                            r -> new Body.FileSegment(opener.open(path), r.first(), r.length(), blockingPool));
                }
                headers.set(HttpHeaderNames.CONTENT_LENGTH, body.length());
                return new Response(HttpResponseStatus.PARTIAL_CONTENT, headers, body);
            }

            headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            headers.set(HttpHeaderNames.CONTENT_LENGTH, stat.size());
            if (head) {
                return new Response(HttpResponseStatus.OK, headers, Body.EMPTY);
            }
            Body body = new Body.FileSegment(channel, 0, stat.size(), blockingPool);
            channel = null;
            return new Response(HttpResponseStatus.OK, headers, body);
        } finally {
            if (channel != null) {
                closeQuietly(channel);
            }
        }
    }

    /** The first bytes for content sniffing, read without moving the channel's position. */
    private byte[] prefix(Path path, FileChannel channel) throws IOException {
        if (channel != null) {
            return read(channel);
        }
        // HEAD of a file whose name says nothing: sniff so HEAD and GET report the same Content-Type.
        try (FileChannel temporary = opener.open(path)) {
            return read(temporary);
        }
    }

    private static byte[] read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(MimeTypes.SNIFF_BYTES, channel.size()));
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, buffer.position()) < 0) {
                break;
            }
        }
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    private static Response errorFor(IOException e) {
        if (e instanceof AccessDeniedException) {
            return Response.of(HttpResponseStatus.FORBIDDEN);
        }
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return Response.of(HttpResponseStatus.NOT_FOUND); // removed while we looked, or a/b with a a file
        }
        return Response.of(HttpResponseStatus.INTERNAL_SERVER_ERROR);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the response is already decided and the descriptor is gone either way.
        }
    }
}
