package io.carbon.config;

/**
 * A raw value that its {@link ValueType} cannot accept. It carries only the detail ("expected ..., got ...");
 * the caller knows where the value came from and turns it into a {@link ConfigException} naming the file,
 * line or environment variable.
 */
final class InvalidValueException extends Exception {

    InvalidValueException(String detail) {
        super(detail);
    }
}
