package io.carbon.websocket;

import io.carbon.channels.ChannelHub;


/**
 * Maps a raw request path to an endpoint. Paths are compared as received (still percent-encoded): the
 * configured paths contain no character that needs encoding, and a channel name allows none either.
 */
final class EndpointPaths {

    private final String echoPath;
    private final String channelsPath;

    /** @param channelsPath ends with '/' (the config guarantees it) */
    EndpointPaths(String echoPath, String channelsPath) {
        this.echoPath = echoPath;
        this.channelsPath = channelsPath;
    }

    /** True for the echo path and everything under the channels path (valid channel name or not). */
    boolean handles(String rawPath) {
        return rawPath.equals(echoPath) || rawPath.startsWith(channelsPath);
    }

    boolean isEcho(String rawPath) {
        return rawPath.equals(echoPath);
    }

    /** The endpoint at {@code rawPath}, or null (not ours, or not a valid channel name). */
    Endpoint resolve(String rawPath) {
        if (rawPath.equals(echoPath)) {
            return new Endpoint.Echo();
        }
        if (rawPath.startsWith(channelsPath)) {
            String name = rawPath.substring(channelsPath.length());
            if (ChannelHub.isValidName(name)) {
                return new Endpoint.Channel(name);
            }
        }
        return null;
    }

    /** Says why {@code rawPath} is not an endpoint, for a 404's body. */
    String notFoundReason(String rawPath) {
        return rawPath.startsWith(channelsPath)
                ? "not a channel: a channel name is 1-64 characters of A-Z a-z 0-9 . _ - after " + channelsPath + "\n"
                : "no WebSocket endpoint here\n";
    }
}
