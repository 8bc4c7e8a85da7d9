package io.carbon.websocket;

import io.netty.buffer.ByteBuf;

/**
 * What an endpoint does with a session: the echo endpoint answers each message, a channel member fans messages
 * out through the hub and writes what others sent. Called on the session's event loop only.
 */
interface MessageHandler {

    /** The session is installed and open. */
    void onOpen(WebSocketSession session);

    /**
     * One complete, validated message (text is valid UTF-8). The handler owns {@code payload}.
     */
    void onMessage(WebSocketSession session, boolean text, ByteBuf payload);

    /** The connection can take more writes again. */
    void onWritable(WebSocketSession session);

    /** The session ended (closed by either side or failed); called once. */
    void onClose(WebSocketSession session);

    /** Sends every message back unchanged, as one message (RFC 6455 has no notion of a reply: this is the app). */
    MessageHandler ECHO = new MessageHandler() {
        @Override
        public void onOpen(WebSocketSession session) {
        }

        @Override
        public void onMessage(WebSocketSession session, boolean text, ByteBuf payload) {
            session.send(text, payload);
        }

        @Override
        public void onWritable(WebSocketSession session) {
        }

        @Override
        public void onClose(WebSocketSession session) {
        }
    };
}
