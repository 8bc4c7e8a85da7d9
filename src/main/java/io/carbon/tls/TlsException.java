package io.carbon.tls;

/** STUB until the tls branch lands. */
public final class TlsException extends Exception {
    public TlsException(String message) {
        super(message);
    }
}
