package io.carbon.websocket;

import io.carbon.http.Response;

/** The outcome of a WebSocket opening handshake: a session to install, or an HTTP answer to send instead. */
public sealed interface HandshakeResult permits HandshakeResult.Rejected, Accepted {

    /**
     * The handshake is refused: send {@code response} as an ordinary response (through the usual finisher) and
     * keep serving HTTP on the connection or stream.
     */
    record Rejected(Response response) implements HandshakeResult {
    }
}
