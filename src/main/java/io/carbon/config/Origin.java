package io.carbon.config;

import java.nio.file.Path;

/**
 * Where a setting came from, so that every error and warning can point at it: a file and line, an
 * environment variable, or neither (a built-in default or settings given in code).
 *
 * @param file     the config file, or null
 * @param line     1-based line in {@code file}, or 0
 * @param variable the environment variable, or null
 */
record Origin(Path file, int line, String variable) {

    /** A built-in default or a setting passed in code. */
    static final Origin NONE = new Origin(null, 0, null);

    static Origin at(Path file, int line) {
        return new Origin(file, line, null);
    }

    static Origin environment(String variable) {
        return new Origin(null, 0, variable);
    }

    ConfigException error(String key, String detail) {
        return variable != null
                ? ConfigException.fromEnvironment(variable, key, detail)
                : new ConfigException(file, line, key, detail);
    }

    /** The start of a warning line: {@code server.conf:7: }, {@code environment CARBON_X: } or nothing. */
    String prefix() {
        if (variable != null) {
            return "environment " + variable + ": ";
        }
        if (file != null) {
            return line > 0 ? file + ":" + line + ": " : file + ": ";
        }
        return "";
    }
}
