package io.carbon.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads {@code server.conf} (key = value) or {@code server.yaml}, applies environment overrides
 * ({@code PORT}, ... and {@code CARBON_<KEY>}), validates everything and builds one {@link ServerConfig}.
 * Relative paths are resolved against the working directory.
 *
 * <p>Errors (a bad value, a duplicate key, a line that is not {@code key = value}, an unreadable file, a
 * missing {@code www_path}) are thrown as {@link ConfigException}; unknown keys are only warnings, so that a
 * config written for a newer Carbon still starts on an older one.
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
        byte[] bytes = ConfigFileReader.read(file);
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        RawSettings settings = name.endsWith(".yaml") || name.endsWith(".yml")
                ? YamlFileParser.parse(file, bytes)
                : ConfFileParser.parse(file, bytes);
        return build(file, settings);
    }

    /**
     * Builds a config from key/value settings as they would appear in server.conf (for tests and tools);
     * environment overrides apply too. Unset keys take their defaults.
     */
    public ServerConfig fromSettings(Map<String, String> settings) throws ConfigException {
        RawSettings raw = new RawSettings();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            // A null value (possible in a HashMap) means "empty", as "key =" does in server.conf.
            String value = e.getValue() == null ? "" : e.getValue().strip();
            raw.add(new Setting(e.getKey().strip().toLowerCase(Locale.ROOT), value, Origin.NONE));
        }
        return build(null, raw);
    }

    /** The effective settings, one {@code key = value} line per key, in the documented order (for --check). */
    public static List<String> describe(ServerConfig config) {
        return ConfigKeys.ALL.stream().map(key -> key.describe(config)).toList();
    }

    /** The keys whose effective values differ between two configurations, in the order of {@link #describe}. */
    public static List<String> changedKeys(ServerConfig before, ServerConfig after) {
        return ConfigKeys.ALL.stream()
                .filter(key -> !key.describe(before).equals(key.describe(after)))
                .map(Key::name)
                .toList();
    }

    private ServerConfig build(Path source, RawSettings fromSource) throws ConfigException {
        Map<String, Setting> effective = new LinkedHashMap<>();
        for (Setting s : fromSource.all()) {
            if (ConfigKeys.find(s.key()).isPresent()) {
                effective.put(s.key(), s);
            } else {
                warnings.accept(ConfigKeys.unknownKeyWarning(s));
            }
        }
        for (Setting s : EnvironmentOverrides.read(environment, warnings)) {
            effective.put(s.key(), s); // the environment wins over the file
        }
        return ServerConfigAssembler.assemble(source, effective);
    }
}
