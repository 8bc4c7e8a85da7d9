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
              --cds-training  start on free loopback ports with a built-in configuration, answer a few
                              requests, stop: run under java -XX:ArchiveClassesAtExit=carbon.jsa to write
                              the class-data archive that -XX:SharedArchiveFile=carbon.jsa starts faster with
              --version       print the version and exit
              --help          print this help and exit

            Environment variables override the file: PORT, USE_HTTPS, SERVER_NAME, ENABLE_HTTP2,
            ENABLE_WEBSOCKET, MAX_THREADS, MAX_CONNECTIONS, VERBOSE, and CARBON_<KEY> for any key.
            Signals: TERM/INT stop gracefully (a second one stops at once); HUP reloads the configuration
            (keys that need a restart are named in the log), the TLS certificate and the error pages, and
            reopens the log files; USR1 only reopens the log files (for logrotate).
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

        if (arguments.cdsTraining()) {
            return CdsTraining.run(out, err);
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
            // Under Type=notify an exit without READY=1 would be recorded as a failed start, not a decision.
            try (SystemdNotifier systemd = SystemdNotifier.fromEnvironment(env, err::println)) {
                systemd.ready("running = false in the configuration: not serving");
                systemd.stopping();
            }
            return EXIT_OK;
        }
        return serve(loader, config, env, err, logOpened);
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
            SelfSignedCertificate.generate(cert, key, config.network().serverName(),
                    config.tls().selfSignedForWebTransport());
        } catch (TlsException e) {
            err.println("carbon: " + e.getMessage());
            return EXIT_CONFIG;
        }
        boolean forWebTransport = config.tls().selfSignedForWebTransport();
        out.println("wrote a self-signed certificate for " + config.network().serverName()
                + ", localhost, 127.0.0.1 and ::1 to " + cert + " (key: " + key + "), valid "
                + SelfSignedCertificate.validity(forWebTransport).toDays() + " days"
                + (forWebTransport ? " (for WebTransport serverCertificateHashes; a running Carbon renews it)" : ""));
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

    private static int serve(ConfigLoader loader, ServerConfig config, Map<String, String> env, PrintStream err,
                             Consumer<ServerLog> logOpened) {
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
        // Before the start, so the watchdog's pings (WATCHDOG_USEC) cover it too.
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment(env, log::warn);
        CarbonServer server = new CarbonServer(config, log);
        log.info("Carbon " + version() + " starting (config " + (config.source() != null ? config.source() : "defaults") + ")");
        logEffectiveConfiguration(config, log);
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            log.error("startup failed: " + e.getMessage(), null);
            systemd.close(); // no READY=1: systemd sees the exit status
            log.close();
            return EXIT_CONFIG;
        }
        log.info(versions(config.network().useHttps()));
        String serving = "serving " + String.join(", ", server.listening());
        systemd.ready(serving);
        ConfigReload reload = new ConfigReload(loader, config.source(), server, log);
        CountDownLatch stopped = new CountDownLatch(1);
        Signals.install(
                () -> {
                    systemd.stopping();
                    systemd.status("draining connections (up to shutdown_timeout)");
                    log.info("shutting down gracefully (a second signal stops at once)");
                    server.shutdown();
                    log.info("stopped");
                    stopped.countDown();
                },
                () -> {
                    log.info("SIGHUP: reloading the configuration");
                    systemd.reloading();
                    boolean applied = false;
                    try {
                        applied = reload.reload();
                    } finally {
                        systemd.ready(serving + (applied ? "; configuration reloaded"
                                : "; reload FAILED, previous configuration kept (see the log)"));
                    }
                },
                () -> {
                    log.info("SIGUSR1: reopening the log files");
                    reopenLogs(server, log);
                });
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        systemd.close();
        log.close();
        return EXIT_OK;
    }

    private static void reopenLogs(CarbonServer server, ServerLog log) {
        try {
            log.reopen();
        } catch (RuntimeException e) {
            log.error("cannot reopen the server log: " + e.getMessage() + "; still writing to the file opened before",
                    null);
        }
        server.reopenLogs();
    }

    /** Every effective setting, one line each, so the log of a run says what it ran with. */
    private static void logEffectiveConfiguration(ServerConfig config, ServerLog log) {
        for (String line : ConfigLoader.describe(config)) {
            log.info("config " + redacted(line));
        }
    }

    /** No key holds a secret today; one named like a secret (a future token or password) is never logged. */
    static String redacted(String describeLine) {
        int equals = describeLine.indexOf(" = ");
        String key = equals < 0 ? describeLine : describeLine.substring(0, equals);
        return key.matches(".*(secret|password|token|passphrase).*") ? key + " = (redacted)" : describeLine;
    }

    /** Carbon, Netty, BoringSSL (when TLS is on: loading it only to log it would cost startup time), Java. */
    static String versions(boolean tls) {
        String boringSsl = tls && io.netty.handler.ssl.OpenSsl.isAvailable()
                ? io.netty.handler.ssl.OpenSsl.versionString() : "not loaded (use_https = false)";
        return "versions: Carbon " + version() + ", Netty " + nettyVersion() + ", TLS library " + boringSsl
                + ", Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")";
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
