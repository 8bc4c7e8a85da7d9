package io.carbon.compression;

/** STUB until the compression branch lands. */
public enum ContentCoding {
    BROTLI("br", ".br"), ZSTD("zstd", ".zst"), GZIP("gzip", ".gz");

    private final String token;
    private final String fileSuffix;

    ContentCoding(String token, String fileSuffix) {
        this.token = token;
        this.fileSuffix = fileSuffix;
    }

    public String token() {
        return token;
    }

    public String fileSuffix() {
        return fileSuffix;
    }

    public static ContentCoding fromToken(String token) {
        for (ContentCoding c : values()) {
            if (c.token.equalsIgnoreCase(token)) {
                return c;
            }
        }
        return null;
    }
}
