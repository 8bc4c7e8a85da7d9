package io.carbon.config;

import java.time.Duration;
import java.util.List;

/**
 * WebSocket endpoints (RFC 6455 on HTTP/1.1, RFC 8441 on HTTP/2), the channel hub and its Server-Sent Events
 * bridge. Used only when {@code enable_websocket} is on; every bound here is per server unless it says otherwise.
 *
 * @param echoPath          {@code websocket_echo_path}: every message comes back unchanged (exact path)
 * @param channelsPath      {@code websocket_channels_path}: prefix, always ending in '/'; the next segment names
 *                          the channel
 * @param maxMessageSize    {@code websocket_max_message_size}: a larger message (after decompression, all
 *                          fragments together) closes the connection with 1009
 * @param idleTimeout       {@code websocket_idle_timeout}: a silent client is pinged after this, closed with
 *                          1001 after as long again; also how long a closing handshake may take
 * @param maxConnections    {@code websocket_max_connections}: open WebSockets on HTTP/1.1 and HTTP/2 together;
 *                          more are refused with 503
 * @param allowedOrigins    {@code websocket_allowed_origins}: lower-case {@code scheme://host[:port]} without
 *                          default ports; empty = any origin
 * @param subprotocols      {@code websocket_subprotocols}: the first protocol a client offers that is in this
 *                          list is selected
 * @param maxChannels       {@code websocket_max_channels}: channels with at least one subscriber
 * @param maxSubscribers    {@code websocket_max_subscribers}: WebSocket and SSE subscribers of one channel
 * @param queueSize         {@code websocket_queue_size}: messages waiting for one subscriber; one more closes it
 * @param permessageDeflate {@code websocket_permessage_deflate}: negotiate RFC 7692 compression
 * @param sseReplay         {@code sse_replay}: text messages kept per channel for {@code Last-Event-ID}; 0 = none
 * @param sseHeartbeat      {@code sse_heartbeat}: an SSE stream without events gets a comment this often
 * @param sseMaxPublishSize {@code sse_max_publish_size}: the largest body a POST may publish (else 413)
 */
public record WebSocketConfig(
        String echoPath,
        String channelsPath,
        int maxMessageSize,
        Duration idleTimeout,
        int maxConnections,
        List<String> allowedOrigins,
        List<String> subprotocols,
        int maxChannels,
        int maxSubscribers,
        int queueSize,
        boolean permessageDeflate,
        int sseReplay,
        Duration sseHeartbeat,
        int sseMaxPublishSize) {

    public WebSocketConfig {
        allowedOrigins = List.copyOf(allowedOrigins);
        subprotocols = List.copyOf(subprotocols);
    }
}
