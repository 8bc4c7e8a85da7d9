package io.carbon.cli;

import io.carbon.config.ConfigException;
import io.carbon.config.ConfigLoader;
import io.carbon.config.ServerConfig;
import io.carbon.logging.ServerLog;
import io.carbon.server.CarbonServer;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * SIGHUP: reads the configuration again, from the same file and the same environment as at start, and hands it
 * to the running server. A configuration that does not load (its error names the file, the line and the key)
 * changes nothing; keys that need a restart are named, and keep their running values.
 */
final class ConfigReload {

    private final ConfigLoader loader;
    private final Path source;
    private final CarbonServer server;
    private final ServerLog log;

    /** @param source the file the server started from, or null when it started on defaults */
    ConfigReload(ConfigLoader loader, Path source, CarbonServer server, ServerLog log) {
        this.loader = loader;
        this.source = source;
        this.server = server;
        this.log = log;
    }

    /** Reloads; true when the new configuration was applied (in part, when some keys need a restart). */
    boolean reload() {
        String from = source != null ? source.toString() : "defaults and environment";
        ServerConfig next;
        try {
            next = source != null ? loader.load(source) : loader.fromSettings(Map.of());
        } catch (ConfigException e) {
            log.error("reload failed, still serving the configuration loaded before: " + e.getMessage(), null);
            return false;
        }
        try {
            log.reopen(next.logging());
        } catch (UncheckedIOException e) {
            log.error("reload: " + e.getMessage() + "; still writing to the log file opened before", null);
        }
        CarbonServer.ReloadReport report = server.reload(next);
        log.info("reloaded " + from + (report.applied().isEmpty() ? ": no setting changed"
                : ": applied " + String.join(", ", report.applied()))
                + "; log files reopened, file cache emptied, error pages and certificate read again");
        if (!report.needRestart().isEmpty()) {
            log.warn("reload: " + String.join(", ", report.needRestart())
                    + " changed but need a restart (they decide the listening sockets and threads);"
                    + " still using the values the server started with");
        }
        return true;
    }
}
