package io.carbon.compression;

/**
 * The content codings (RFC 9110 §8.4.1) Carbon can produce, each with its {@code Content-Encoding} token and
 * the suffix of its precompressed sidecar file ({@code app.css.br} next to {@code app.css}).
 */
public enum ContentCoding {
    /** Brotli, RFC 7932. */
    BROTLI("br", ".br"),
    /** Zstandard, RFC 8878 (with the 8 MB window limit of RFC 9659 for HTTP). */
    ZSTD("zstd", ".zst"),
    /** gzip, RFC 1952. */
    GZIP("gzip", ".gz");

    private final String token;
    private final String fileSuffix;

    ContentCoding(String token, String fileSuffix) {
        this.token = token;
        this.fileSuffix = fileSuffix;
    }

    /** The token sent in {@code Content-Encoding} and matched in {@code Accept-Encoding}, lower case. */
    public String token() {
        return token;
    }

    /** The suffix of the precompressed sidecar file, with its dot. */
    public String fileSuffix() {
        return fileSuffix;
    }

    /**
     * The coding a token names, ignoring case (content-coding tokens are case-insensitive, RFC 9110 §8.4.1).
     * {@code x-gzip} names {@link #GZIP}: RFC 9110 §8.4.1.3 asks recipients to treat them as equivalent.
     *
     * @return the coding, or {@code null} for {@code identity}, {@code *}, any other token, and {@code null}
     */
    public static ContentCoding fromToken(String token) {
        if (token == null) {
            return null;
        }
        for (ContentCoding coding : values()) {
            if (coding.token.equalsIgnoreCase(token)) {
                return coding;
            }
        }
        return "x-gzip".equalsIgnoreCase(token) ? GZIP : null;
    }
}
