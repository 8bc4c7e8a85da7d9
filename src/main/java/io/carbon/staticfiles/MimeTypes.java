package io.carbon.staticfiles;

import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Chooses the {@code Content-Type} of a file: by file name first (Apache Tika's glob table plus a few web
 * overrides), then, for names Tika does not know, by the first bytes of the content.
 *
 * <p>Tika's registry costs 130–320 ms to load: the server starts loading it on a thread of its own as it starts
 * ({@link #loadRegistry}), so it is usually there by the first request; otherwise the first use waits for it,
 * which happens on the blocking pool (never on an event loop). Name lookups are cached per extension in a small LRU map so the
 * cache cannot grow without bound however many distinct extensions clients ask for. Content-sniffed types
 * depend on the bytes, so they are cached per file version (its ETag: size, mtime, inode) in a second bounded
 * map: sniffing costs about half a millisecond, far too much to pay on every request for the same file.
 *
 * <p>Text types get {@code ; charset=utf-8} (RFC 9110 §8.3.1): without it browsers guess, and a wrong guess
 * is a correctness and sometimes a security problem.
 */
public final class MimeTypes {

    /** The type for content nobody can identify (RFC 9110 §8.3: the recipient may then sniff or not). */
    public static final String OCTET_STREAM = "application/octet-stream";

    /** How many leading bytes content detection looks at. */
    public static final int SNIFF_BYTES = 8192;

    private static final int CACHE_ENTRIES = 256;
    private static final int SNIFFED_ENTRIES = 4096;

    /** Where Tika's table is missing or outdated for the web (RFC 8081 font types; RFC 9239 JavaScript). */
    private static final Map<String, String> WEB_OVERRIDES = Map.ofEntries(
            Map.entry("woff2", "font/woff2"),
            Map.entry("woff", "font/woff"),
            Map.entry("ttf", "font/ttf"),
            Map.entry("otf", "font/otf"),
            Map.entry("js", "text/javascript"),
            Map.entry("mjs", "text/javascript"),
            Map.entry("map", "application/json"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("avif", "image/avif"),
            Map.entry("webp", "image/webp"),
            Map.entry("svg", "image/svg+xml"));

    private static final Set<String> UTF8_APPLICATION_TYPES = Set.of(
            "application/javascript", "application/json", "application/xml", "image/svg+xml",
            "application/manifest+json");

    /** Marker stored in the cache for names Tika does not know (so the name is not looked up again). */
    private static final String UNKNOWN = "";

    private final Object lock = new Object();
    private final LinkedHashMap<String, String> byName = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };
    private final LinkedHashMap<String, String> byVersion = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > SNIFFED_ENTRIES;
        }
    };
    private volatile org.apache.tika.mime.MimeTypes tika;

    /** Supplies the first bytes of a file on demand (only read when the name is not enough). */
    @FunctionalInterface
    public interface Prefix {
        /** Up to {@link #SNIFF_BYTES} leading bytes. */
        byte[] read() throws IOException;
    }

    /**
     * The Content-Type for a file, charset included where it applies. Blocking on first use (loads Tika)
     * and when the content has to be read.
     *
     * @param fileName the file's name (last path segment)
     * @param prefix   the first bytes, read only when the name gives no answer
     */
    public String contentType(String fileName, Prefix prefix) throws IOException {
        String type = byName(fileName);
        if (type == null) {
            type = byContent(prefix.read());
        }
        return withCharset(type);
    }

    /**
     * Like {@link #contentType(String, Prefix)}, remembering a sniffed type for this version of the file.
     *
     * @param version identifies the file's content (its ETag); a changed file gets a new version
     */
    public String contentType(String fileName, String version, Prefix prefix) throws IOException {
        String type = byName(fileName);
        if (type != null) {
            return withCharset(type);
        }
        synchronized (lock) {
            type = byVersion.get(version);
        }
        if (type == null) {
            type = withCharset(byContent(prefix.read()));
            synchronized (lock) {
                byVersion.put(version, type);
            }
        }
        return type;
    }

    /** The media type by name alone, or null when the name is unknown. */
    String byName(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        int dot = lower.lastIndexOf('.');
        // Per extension when there is one; whole names (Makefile, README) are rare and still bounded.
        String key = dot >= 0 ? lower.substring(dot + 1) : "/" + lower;
        String cached;
        synchronized (lock) {
            cached = byName.get(key);
        }
        if (cached == null) {
            cached = dot >= 0 ? WEB_OVERRIDES.get(key) : null;
            if (cached == null) {
                cached = tikaByName(dot >= 0 ? "x." + key : lower);
            }
            synchronized (lock) {
                byName.put(key, cached);
            }
        }
        return cached.equals(UNKNOWN) ? null : cached;
    }

    private String tikaByName(String name) {
        Metadata metadata = new Metadata();
        metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
        try {
            MediaType type = tika().detect(null, metadata);
            String result = type.getBaseType().toString();
            return result.equals(OCTET_STREAM) ? UNKNOWN : result;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // no stream, so no I/O; kept for the checked signature
        }
    }

    /** The media type detected from leading bytes; {@link #OCTET_STREAM} when nothing matches. */
    String byContent(byte[] prefix) throws IOException {
        if (prefix.length == 0) {
            // An empty file has no type to detect; text/plain would be a claim about bytes that do not exist.
            return OCTET_STREAM;
        }
        MediaType type = tika().detect(new ByteArrayInputStream(prefix), new Metadata());
        return type.getBaseType().toString();
    }

    /** Adds {@code ; charset=utf-8} to textual types. */
    static String withCharset(String type) {
        if (type.startsWith("text/") || UTF8_APPLICATION_TYPES.contains(type)) {
            return type + "; charset=utf-8";
        }
        return type;
    }

    /** Number of cached name lookups (for tests of the bound). */
    int cachedEntries() {
        synchronized (lock) {
            return byName.size();
        }
    }

    /** Loads Tika's registry (one per JVM, shared by every instance) ahead of the first request that needs it. */
    public static void loadRegistry() {
        org.apache.tika.mime.MimeTypes.getDefaultMimeTypes();
    }

    private org.apache.tika.mime.MimeTypes tika() {
        org.apache.tika.mime.MimeTypes t = tika;
        if (t == null) {
            // Racing threads may both call this; Tika's own loader is synchronized and returns one registry.
            t = org.apache.tika.mime.MimeTypes.getDefaultMimeTypes();
            tika = t;
        }
        return t;
    }
}
