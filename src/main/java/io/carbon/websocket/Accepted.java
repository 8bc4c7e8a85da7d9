package io.carbon.websocket;

import io.carbon.http.Body;
import io.carbon.http.Response;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An accepted handshake: send the response head ({@link #status()}, {@link #responseHeaders()}), then hand the
 * connection or stream to {@link WebSocketService#install}.
 *
 * @param endpoint        echo, or a channel
 * @param subprotocol     the selected {@code Sec-WebSocket-Protocol}, or null
 * @param deflate         the agreed permessage-deflate parameters, or null for no compression
 * @param status          101 Switching Protocols on HTTP/1.1, 200 on an HTTP/2 extended CONNECT (RFC 8441 §5)
 * @param responseHeaders what the response carries beyond the standard headers: on HTTP/1.1 {@code Upgrade},
 *                        {@code Connection} and {@code Sec-WebSocket-Accept}; on both, the selected protocol and
 *                        extensions. No {@code Content-Length}: a 2xx to CONNECT must not have one (RFC 9110 §8.6)
 */
public record Accepted(Endpoint endpoint, String subprotocol, DeflateParameters deflate, HttpResponseStatus status,
                       HttpHeaders responseHeaders) implements HandshakeResult {

    /** The answer as a {@link Response} with an empty body (its headers are a copy). */
    public Response response() {
        return new Response(status, responseHeaders.copy(), Body.EMPTY);
    }
}
