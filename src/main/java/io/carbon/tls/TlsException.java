package io.carbon.tls;

/**
 * A certificate or key that cannot be used for TLS. The message always names the file and says what is wrong
 * or what was expected, e.g.
 * {@code ssl/key/key.key: the private key does not match the certificate in ssl/cert/cert.pem}, so the caller
 * can print it as is and exit (at startup) or log it and keep the old certificate (on reload).
 */
public final class TlsException extends Exception {

    /** @param message the file, and what is wrong with it */
    public TlsException(String message) {
        super(message);
    }

    /**
     * @param message the file, and what is wrong with it
     * @param cause   the underlying error, kept for the stack trace only; the message already says it all
     */
    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
