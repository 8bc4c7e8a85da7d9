package io.carbon.cli;

import io.carbon.config.ConfigException;
import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.logging.NettyLogBridge;
import io.carbon.logging.ServerLog;
import io.carbon.server.CarbonServer;
import io.carbon.tls.SelfSignedCertificate;
import io.carbon.tls.TlsException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * {@code java -jar carbon.jar [--config FILE] [--check] [--version] [--help]}. Exit status: 0 on a clean
 * stop, 1 for a bad configuration or a failure to start, 2 for bad command-line usage.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_CONFIG = 1;
    static final int EXIT_USAGE = 2;

    private static final String USAGE = """
            Usage: java -jar carbon.jar [options]

              --config FILE   read FILE (server.conf key = value, or .yaml/.yml); default ./server.conf
              --check         validate the configuration, print the effective settings, exit 0 or 1
              --gen-cert      write a self-signed certificate and key to ssl_cert_path and ssl_key_path
                              (for server_name, localhost, 127.0.0.1 and ::1), then exit
              --version       print the version and exit
              --help          print this help and exit

            Environment variables override the file: PORT, USE_HTTPS, SERVER_NAME, ENABLE_HTTP2,
            ENABLE_WEBSOCKET, MAX_THREADS, MAX_CONNECTIONS, VERBOSE, and CARBON_<KEY> for any key.
            Signals: TERM/INT stop gracefully (a second one stops at once), HUP reopens the log files
            and reloads the TLS certificate.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        NettyDefaults.apply(System.getProperties()); // before any Netty class loads
        // Netty's logger factory is process-wide (a static inside Netty), so only the real process installs the
        // bridge: never CarbonServer, and not run() as tests call it, so tests that start several servers in one
        // JVM do not send Netty's lines into whichever server log happened to be opened first.
        int status = run(args, System.getenv(), System.out, System.err, NettyLogBridge::install);
        if (status != Integer.MIN_VALUE) {
            System.exit(status);
        }
    }

    /** Parses arguments and runs, leaving Netty's logging as it is; returns the exit status. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, out, err, log -> { });
    }

    /**
     * Parses arguments and runs; returns the exit status.
     *
     * @param logOpened told the server log once it is open, before the server is built
     */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err,
                   Consumer<ServerLog> logOpened) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("carbon: " + e.getMessage());
            err.print(USAGE);
            return EXIT_USAGE;
        }
        if (arguments.help()) {
            out.print(USAGE);
            return EXIT_OK;
        }
        if (arguments.version()) {
            out.println("Carbon " + version() + " (Netty " + nettyVersion() + ", Java " + Runtime.version() + ")");
            return EXIT_OK;
        }

        ConfigLoader loader = new ConfigLoader(env, warning -> err.println("carbon: warning: " + warning));
        ServerConfig config;
        try {
            config = load(loader, arguments.config(), err);
        } catch (ConfigException e) {
            err.println("carbon: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (arguments.check()) {
            for (String line : ConfigLoader.describe(config)) {
                out.println(line);
            }
            try {
                // What start would load, loaded the same way: a pair start would refuse fails here too.
                io.carbon.tls.CertificateCheck.run(config, java.time.Clock.systemUTC(), out::println,
                        warning -> err.println("carbon: warning: " + warning));
            } catch (TlsException e) {
                err.println("carbon: " + e.getMessage());
                return EXIT_CONFIG;
            }
            out.println("configuration OK");
            return EXIT_OK;
        }
        if (arguments.genCert()) {
            return generateCertificate(config, out, err);
        }
        if (!config.running()) {
            err.println("carbon: running = false in the configuration; not starting");
            return EXIT_OK;
        }
        return serve(config, err, logOpened);
    }

    private static int generateCertificate(ServerConfig config, PrintStream out, PrintStream err) {
        Path cert = config.network().sslCertPath();
        Path key = config.network().sslKeyPath();
        if (Files.exists(cert) || Files.exists(key)) {
            err.println("carbon: " + (Files.exists(cert) ? cert : key) + " already exists; remove it first "
                    + "(--gen-cert never overwrites a certificate or key)");
            return EXIT_CONFIG;
        }
        try {
            SelfSignedCertificate.generate(cert, key, config.network().serverName());
        } catch (TlsException e) {
            err.println("carbon: " + e.getMessage());
            return EXIT_CONFIG;
        }
        out.println("wrote a self-signed certificate for " + config.network().serverName()
                + ", localhost, 127.0.0.1 and ::1 to " + cert + " (key: " + key + ")");
        return EXIT_OK;
    }

    private static ServerConfig load(ConfigLoader loader, Path explicit, PrintStream err) throws ConfigException {
        if (explicit != null) {
            return loader.load(explicit);
        }
        Path conf = Path.of("server.conf");
        if (Files.exists(conf)) {
            return loader.load(conf);
        }
        Path yaml = Path.of("server.yaml");
        if (Files.exists(yaml)) {
            return loader.load(yaml);
        }
        err.println("carbon: warning: no server.conf in " + Path.of("").toAbsolutePath()
                + "; using defaults and environment variables");
        return loader.fromSettings(Map.of());
    }

    private static int serve(ServerConfig config, PrintStream err, Consumer<ServerLog> logOpened) {
        ServerLog log;
        try {
            log = ServerLog.open(config.logging());
        } catch (RuntimeException e) {
            err.println("carbon: " + e.getMessage());
            return EXIT_CONFIG;
        }
        // Before CarbonServer: each Netty class takes its logger from the factory when it is initialised and
        // keeps it, so a class first touched after this point logs into the server log.
        logOpened.accept(log);
        CarbonServer server = new CarbonServer(config, log);
        log.info("Carbon " + version() + " starting (config " + (config.source() != null ? config.source() : "defaults") + ")");
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            log.error("startup failed: " + e.getMessage(), null);
            log.close();
            return EXIT_CONFIG;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Signals.install(
                () -> {
                    log.info("shutting down gracefully (a second signal stops at once)");
                    server.shutdown();
                    log.info("stopped");
                    stopped.countDown();
                },
                () -> {
                    log.info("SIGHUP: reopening log files, reloading error pages and the TLS certificate");
                    server.reload();
                });
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.close();
        return EXIT_OK;
    }

    static String version() {
        Properties properties = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("/io/carbon/version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return properties.getProperty("version", "unknown");
    }

    private static String nettyVersion() {
        var netty = io.netty.util.Version.identify().get("netty-common");
        return netty != null ? netty.artifactVersion() : "unknown";
    }
}
