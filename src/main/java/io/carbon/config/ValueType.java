package io.carbon.config;

/**
 * How one kind of value is read from its text form and written back for {@code --check}.
 *
 * @param <T> the parsed value
 */
interface ValueType<T> {

    /** Parses an already unquoted, trimmed value. */
    T parse(String raw) throws InvalidValueException;

    /** The value as it would be written in server.conf (before quoting). */
    String format(T value);
}
