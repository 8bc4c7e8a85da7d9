package io.carbon.websocket;

import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;

import java.util.concurrent.CompletableFuture;

/**
 * The WebSocket paths as one route: an opening handshake (HTTP/1.1 {@code Upgrade: websocket}, RFC 6455 §4.2;
 * an extended CONNECT on HTTP/2, RFC 8441 §4) is answered with a {@link io.carbon.http.Tunnel} that turns the
 * connection or stream into a WebSocket session; every other request to these paths (SSE, publishing, the
 * 405/406/426 answers) goes to the channels' HTTP handler. The protocol branches know nothing of this.
 */
final class WebSocketRoute implements HttpHandler {

    private final WebSocketService service;

    WebSocketRoute(WebSocketService service) {
        this.service = service;
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        HandshakeResult result;
        if (request.connectProtocol() != null) {
            result = service.handshakeExtendedConnect(request, request.connectProtocol());
        } else if (WebSocketHandshake.isUpgradeRequest(request.headers())) {
            result = service.handshake(request);
        } else {
            return service.httpHandler().handle(request);
        }
        if (result instanceof Accepted accepted) {
            Response response = accepted.response();
            response.tunnel(service.tunnel(accepted));
            return CompletableFuture.completedFuture(response);
        }
        return CompletableFuture.completedFuture(((HandshakeResult.Rejected) result).response());
    }
}
