package io.carbon.compression;

import java.util.List;

/** STUB until the compression branch lands. */
public final class CompressibleTypes {
    private final List<String> patterns;

    public CompressibleTypes(List<String> patterns) {
        this.patterns = patterns;
    }

    public boolean matches(String contentType) {
        return contentType.startsWith("text/") || contentType.startsWith("application/j");
    }
}
