package io.carbon.websocket;

/**
 * The agreed permessage-deflate parameters (RFC 7692 §7.1). Carbon always compresses each message on its own
 * ({@code server_no_context_takeover}, which §7.1.1.1 lets a server add unasked), so its compressors can be
 * shared; it accepts any client window (its inflater always has the full 32 KiB), and keeps a smaller server
 * window by sending messages longer than the window uncompressed.
 *
 * @param serverNoContextTakeover always true: Carbon's messages never refer to earlier ones
 * @param clientNoContextTakeover the client offered it and it was confirmed: the client resets after each message
 * @param serverMaxWindowBits     8–15: the client's window for Carbon's messages (15 unless it asked for less)
 * @param clientMaxWindowBits     the window the client announced it uses, 8–15 (15 when it said nothing)
 * @param confirmServerWindow     the client offered server_max_window_bits, so the response must repeat it
 */
public record DeflateParameters(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                                int serverMaxWindowBits, int clientMaxWindowBits, boolean confirmServerWindow) {

    /** The {@code Sec-WebSocket-Extensions} response value. */
    public String responseHeaderValue() {
        StringBuilder value = new StringBuilder("permessage-deflate");
        if (serverNoContextTakeover) {
            value.append("; server_no_context_takeover");
        }
        if (clientNoContextTakeover) {
            value.append("; client_no_context_takeover");
        }
        if (confirmServerWindow) {
            value.append("; server_max_window_bits=").append(serverMaxWindowBits);
        }
        return value.toString();
    }

    /** The longest message Carbon compresses: one whose back-references all fit the client's window. */
    public int maxCompressedMessage() {
        return serverMaxWindowBits >= 15 ? Integer.MAX_VALUE : 1 << serverMaxWindowBits;
    }
}
