package io.carbon.config;

import java.util.function.Function;

/**
 * One configuration key: its name in server.conf, its default (as text, parsed like any other value so that
 * defaults obey the same rules), its type, a one-line description and where its value lives in the record
 * tree (for {@code --check}).
 *
 * @param name         lower-case key as written in server.conf
 * @param defaultValue default in server.conf syntax
 * @param type         parser and formatter
 * @param doc          what the key does
 * @param getter       reads the effective value back from a built config
 * @param <T>          the parsed value
 */
record Key<T>(String name, String defaultValue, ValueType<T> type, String doc, Function<ServerConfig, T> getter) {

    /** The effective value in {@code config} as a server.conf line, e.g. {@code keep_alive_timeout = 65s}. */
    String describe(ServerConfig config) {
        return name + " = " + Quoting.forConf(type.format(getter.apply(config)));
    }
}
