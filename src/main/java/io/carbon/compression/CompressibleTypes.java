package io.carbon.compression;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which media types are worth compressing ({@code compression_types}). Text, JSON, XML, SVG and WebAssembly
 * shrink several times; images, video, fonts in WOFF2 and archives are already compressed and only cost CPU.
 * Immutable and thread-safe.
 *
 * <p>Patterns, lower case: {@code type/subtype} (exact), {@code type/*} (any subtype of the type) and
 * {@code type/*+suffix} (a structured syntax suffix, RFC 6838 §4.2.8: {@code application/*+json} matches
 * {@code application/ld+json} but not {@code application/json}, which needs its own pattern).
 */
public final class CompressibleTypes {

    private final Set<String> exact = new HashSet<>();
    private final Set<String> anySubtype = new HashSet<>();
    /** {@code type/+suffix} for each {@code type/*+suffix} pattern: the subtype must end with "+suffix". */
    private final List<Suffix> suffixes = new ArrayList<>();

    private record Suffix(String type, String plusSuffix) {
    }

    /**
     * @param patterns media-type patterns, already validated by the configuration; one that is malformed
     *                 anyway is rejected with {@link IllegalArgumentException}
     */
    public CompressibleTypes(List<String> patterns) {
        for (String raw : patterns) {
            String pattern = raw.toLowerCase(Locale.ROOT);
            int slash = pattern.indexOf('/');
            if (slash < 0 || !HttpTokens.isToken(pattern, 0, slash)) {
                throw new IllegalArgumentException("not a media-type pattern: " + raw);
            }
            String type = pattern.substring(0, slash);
            String subtype = pattern.substring(slash + 1);
            if (subtype.equals("*")) {
                anySubtype.add(type);
            } else if (subtype.startsWith("*+") && isSubtypeToken(subtype, 2)) {
                suffixes.add(new Suffix(type, subtype.substring(1)));
            } else if (isSubtypeToken(subtype, 0) && subtype.indexOf('*') < 0) {
                exact.add(pattern);
            } else {
                throw new IllegalArgumentException("not a media-type pattern: " + raw);
            }
        }
    }

    private static boolean isSubtypeToken(String subtype, int from) {
        return HttpTokens.isToken(subtype, from, subtype.length()) && subtype.indexOf('/') < 0;
    }

    /**
     * Whether a response with this {@code Content-Type} is worth compressing. Parameters ({@code charset})
     * do not change the answer. Types and subtypes are case-insensitive (RFC 9110 §8.3.1).
     *
     * @param contentType a full {@code Content-Type} value, parameters allowed
     *                    ({@code text/html; charset=utf-8}), any case
     * @return false as well for {@code null} and for a value that is not {@code type/subtype}
     */
    public boolean matches(String contentType) {
        if (contentType == null) {
            return false;
        }
        int length = contentType.length();
        int semicolon = contentType.indexOf(';');
        int start = HttpTokens.skipOws(contentType, 0, semicolon < 0 ? length : semicolon);
        int end = HttpTokens.trimOwsEnd(contentType, start, semicolon < 0 ? length : semicolon);
        int slash = contentType.indexOf('/', start);
        // media-type = type "/" subtype (RFC 9110 §8.3.1): two tokens, no whitespace around the slash.
        if (slash < 0 || slash >= end || !HttpTokens.isToken(contentType, start, slash)
                || !HttpTokens.isToken(contentType, slash + 1, end)) {
            return false;
        }
        String type = contentType.substring(start, slash).toLowerCase(Locale.ROOT);
        String subtype = contentType.substring(slash + 1, end).toLowerCase(Locale.ROOT);
        if (anySubtype.contains(type) || exact.contains(type + '/' + subtype)) {
            return true;
        }
        for (Suffix suffix : suffixes) {
            // A non-empty name must come before the suffix: "+json" alone is no structured syntax name.
            if (suffix.type.equals(type) && subtype.length() > suffix.plusSuffix.length()
                    && subtype.endsWith(suffix.plusSuffix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(exact);
        anySubtype.forEach(type -> all.add(type + "/*"));
        suffixes.forEach(suffix -> all.add(suffix.type + "/*" + suffix.plusSuffix));
        all.sort(null);
        return "CompressibleTypes" + all;
    }
}
