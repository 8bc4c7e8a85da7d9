package io.carbon.config;

/**
 * One raw {@code key = value} as read from a file, the environment or a map, before it is checked.
 *
 * @param key    lower-case key (may be unknown)
 * @param value  unquoted value
 * @param origin where it was written
 */
record Setting(String key, String value, Origin origin) {
}
