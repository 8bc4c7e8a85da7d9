package io.carbon.config;

import java.nio.file.Path;
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
 * @param sslCertPath        {@code ssl_cert_path}: PEM certificate chain for {@code https_port}, absolute
 * @param sslKeyPath         {@code ssl_key_path}: PEM private key for {@code https_port}, absolute
 * @param adminAddress       {@code admin_address}: the IP address literal the admin listener binds
 * @param adminPort          {@code admin_port}: the admin listener's port (health, readiness, metrics); 0 = off
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
        Duration shutdownTimeout,
        Path sslCertPath,
        Path sslKeyPath,
        String adminAddress,
        int adminPort) {

    /** True when the admin listener is to be bound ({@code admin_port} is not 0). */
    public boolean adminEnabled() {
        return adminPort != 0;
    }

    public NetworkConfig {
        // 0 in the file means "one worker per core"; resolving it here means no consumer ever sees 0 and
        // has to know the rule.
        if (maxThreads == 0) {
            maxThreads = Runtime.getRuntime().availableProcessors();
        }
    }
}
