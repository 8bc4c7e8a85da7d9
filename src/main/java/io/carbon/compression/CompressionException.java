package io.carbon.compression;

/**
 * A compressor failed on input it should have accepted (a native library error, an input too large for one
 * piece). The caller sends the representation uncoded, or fails the response, and logs the cause.
 */
public final class CompressionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CompressionException(String message, Throwable cause) {
        super(message, cause);
    }

    public CompressionException(String message) {
        super(message);
    }
}
