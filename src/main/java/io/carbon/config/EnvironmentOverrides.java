package io.carbon.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Settings taken from the environment, which win over the file. Two spellings are read: the short names of
 * Carbon's Docker image ({@code PORT}, {@code MAX_THREADS}, ...) and {@code CARBON_<KEY>} for every key. When
 * both name one key, {@code CARBON_<KEY>} wins, because it is the explicit, Carbon-specific form while a
 * short name like {@code PORT} may have been set for something else (e.g. by a PaaS).
 */
final class EnvironmentOverrides {

    static final String PREFIX = "CARBON_";

    /** Short variable names from Carbon's Docker image, and the key each one sets. */
    static final Map<String, String> DOCKER_NAMES = Map.of(
            "PORT", "port",
            "USE_HTTPS", "use_https",
            "SERVER_NAME", "server_name",
            "ENABLE_HTTP2", "enable_http2",
            "ENABLE_WEBSOCKET", "enable_websocket",
            "MAX_THREADS", "max_threads",
            "MAX_CONNECTIONS", "max_connections",
            "VERBOSE", "verbose");

    private EnvironmentOverrides() {
    }

    /**
     * The overrides found in {@code environment}, as settings whose origin names the variable. Unknown
     * {@code CARBON_} variables go to {@code warnings} with the closest key.
     */
    static List<Setting> read(Map<String, String> environment, Consumer<String> warnings) {
        Map<String, Setting> byKey = new TreeMap<>();
        DOCKER_NAMES.forEach((variable, key) -> {
            String value = environment.get(variable);
            if (value != null) {
                byKey.put(key, new Setting(key, value.strip(), Origin.environment(variable)));
            }
        });
        // Sorted, so that warnings come out in a stable order whatever the map's iteration order.
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith(PREFIX) || variable.length() == PREFIX.length()) {
                continue;
            }
            String key = variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT);
            Setting setting = new Setting(key, e.getValue().strip(), Origin.environment(variable));
            if (ConfigKeys.find(key).isPresent()) {
                byKey.put(key, setting);
            } else {
                warnings.accept(ConfigKeys.unknownKeyWarning(setting));
            }
        }
        return new ArrayList<>(byKey.values());
    }
}
