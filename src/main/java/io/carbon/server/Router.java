package io.carbon.server;

import io.carbon.websocket.WebSocketService;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.concurrent.CompletableFuture;

/**
 * Hands each request to the feature that serves it. The WebSocket paths (channels over SSE and POST, and
 * the answers to non-WebSocket requests there) go to the WebSocket service whatever the method; static files
 * answer GET and HEAD; OPTIONS is answered here with {@code Allow} (RFC 9110 §9.3.7); every other method is
 * 405 with {@code Allow} (§15.5.6).
 */
final class Router implements HttpHandler {

    static final String ALLOWED_METHODS = "GET, HEAD, OPTIONS";

    private final HttpHandler staticFiles;
    private final WebSocketService websockets;

    /** @param websockets null when WebSocket is off */
    Router(HttpHandler staticFiles, WebSocketService websockets) {
        this.staticFiles = staticFiles;
        this.websockets = websockets;
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        if (websockets != null && websockets.handles(request.rawPath())) {
            return websockets.httpHandler().handle(request);
        }
        HttpMethod method = request.method();
        if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) {
            return staticFiles.handle(request);
        }
        Response response = HttpMethod.OPTIONS.equals(method)
                ? Response.of(HttpResponseStatus.NO_CONTENT)
                : Response.of(HttpResponseStatus.METHOD_NOT_ALLOWED);
        response.headers().set(HttpHeaderNames.ALLOW, ALLOWED_METHODS);
        return CompletableFuture.completedFuture(response);
    }
}
