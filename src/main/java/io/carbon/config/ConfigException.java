package io.carbon.config;

import java.nio.file.Path;

/**
 * A configuration that cannot be used. The message names the file, the line, the key and what was expected,
 * e.g. {@code server.conf:12: port: expected a number from 0 to 65535, got "80a"}.
 */
public final class ConfigException extends Exception {

    private final Path file;
    private final int line;
    private final String key;

    /**
     * @param file   the file, or null for an environment variable or built-in default
     * @param line   1-based line, or 0 when unknown
     * @param key    the key, or null when the problem is not about one key
     * @param detail what is wrong and what was expected
     */
    public ConfigException(Path file, int line, String key, String detail) {
        super(format(file, line, key, detail));
        this.file = file;
        this.line = line;
        this.key = key;
    }

    private ConfigException(String message, String key) {
        super(message);
        this.file = null;
        this.line = 0;
        this.key = key;
    }

    /**
     * A bad value that came from an environment variable, e.g.
     * {@code environment PORT: expected a number from 0 to 65535, got "x"}. The variable is named rather than
     * the key, because the variable is what the operator has to fix; {@link #key()} still names the key.
     */
    public static ConfigException fromEnvironment(String variable, String key, String detail) {
        return new ConfigException("environment " + variable + ": " + detail, key);
    }

    private static String format(Path file, int line, String key, String detail) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file);
            if (line > 0) {
                sb.append(':').append(line);
            }
            sb.append(": ");
        }
        if (key != null) {
            sb.append(key).append(": ");
        }
        return sb.append(detail).toString();
    }

    /** The file, or null for an environment variable, a built-in default or settings given in code. */
    public Path file() {
        return file;
    }

    /** The 1-based line in {@link #file()}, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** The config key (also for environment variables), or null when the problem is not about one key. */
    public String key() {
        return key;
    }
}
