package io.carbon.config;

import java.time.Duration;

/**
 * Listeners and connection bounds.
 *
 * @param serverName         {@code server_name}: the address or host name to bind (IPv4, IPv6, or a name)
 * @param port               {@code port}: plain HTTP port (0 = any free port, used by tests)
 * @param useHttps           {@code use_https}: also open {@code https_port} with TLS
 * @param httpsPort          {@code https_port}
 * @param enableHttp2        {@code enable_http2}
 * @param maxThreads         {@code max_threads}: worker event loops, already resolved (0 in the file = cores)
 * @param maxConnections     {@code max_connections}: open connections across all listeners
 * @param maxConnectionsPerIp {@code max_connections_per_ip}: open connections from one client address (0 = no limit)
 * @param shutdownTimeout    {@code shutdown_timeout}: how long in-flight responses may take to finish on shutdown
 */
public record NetworkConfig(
        String serverName,
        int port,
        boolean useHttps,
        int httpsPort,
        boolean enableHttp2,
        int maxThreads,
        int maxConnections,
        int maxConnectionsPerIp,
        Duration shutdownTimeout) {
}
