package io.carbon.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads {@code server.conf} (key = value) or {@code server.yaml}, applies environment overrides
 * ({@code PORT}, ... and {@code CARBON_<KEY>}), validates everything and builds one {@link ServerConfig}.
 * Relative paths are resolved against the working directory.
 */
public final class ConfigLoader {

    private final Map<String, String> environment;
    private final Consumer<String> warnings;

    /**
     * @param environment the process environment ({@code System.getenv()}), or a map in tests
     * @param warnings    receives one line per warning (unknown keys with the closest known key, ...)
     */
    public ConfigLoader(Map<String, String> environment, Consumer<String> warnings) {
        this.environment = Map.copyOf(environment);
        this.warnings = warnings;
    }

    /** Loads a {@code .conf} or {@code .yaml}/{@code .yml} file, then environment overrides. */
    public ServerConfig load(Path file) throws ConfigException {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Builds a config from key/value settings as they would appear in server.conf (for tests and tools);
     * environment overrides apply too. Unset keys take their defaults.
     */
    public ServerConfig fromSettings(Map<String, String> settings) throws ConfigException {
        throw new UnsupportedOperationException("TODO");
    }

    /** The effective settings, one {@code key = value} line per key, in the documented order (for --check). */
    public static List<String> describe(ServerConfig config) {
        throw new UnsupportedOperationException("TODO");
    }
}
