package io.carbon.websocket;

/** Which WebSocket endpoint a request reached. */
public sealed interface Endpoint permits Endpoint.Echo, Endpoint.Channel {

    /** {@code websocket_echo_path}: every message comes back unchanged. */
    record Echo() implements Endpoint {
    }

    /**
     * {@code websocket_channels_path} + name: messages go to the channel's other subscribers.
     *
     * @param name 1–64 characters of {@code [A-Za-z0-9._-]}, not "." or ".."
     */
    record Channel(String name) implements Endpoint {
    }
}
