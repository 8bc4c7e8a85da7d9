package io.carbon.websocket;

import io.carbon.config.WebSocketConfig;

import java.time.Duration;
import java.util.List;

/** The documented defaults of the WebSocket keys, changeable one by one for a test. */
final class WsConfig {

    String echoPath = "/ws";
    String channelsPath = "/ws/channels/";
    int maxMessageSize = 1 << 20;
    Duration idleTimeout = Duration.ofSeconds(60);
    int maxConnections = 10_000;
    List<String> allowedOrigins = List.of();
    List<String> subprotocols = List.of();
    int maxChannels = 1024;
    int maxSubscribers = 1024;
    int queueSize = 256;
    boolean permessageDeflate = true;
    int sseReplay = 32;
    Duration sseHeartbeat = Duration.ofSeconds(15);
    int sseMaxPublishSize = 64 * 1024;

    WebSocketConfig build() {
        return new WebSocketConfig(echoPath, channelsPath, maxMessageSize, idleTimeout, maxConnections,
                allowedOrigins, subprotocols, maxChannels, maxSubscribers, queueSize, permessageDeflate, sseReplay,
                sseHeartbeat, sseMaxPublishSize);
    }
}
