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
 * <p>Tika's registry costs 130–320 ms of CPU and about 3 MiB of heap (plus the XML parser's classes) to load, so
 * it is loaded only when needed: the common web types are answered from a table of Tika's own answers
 * ({@code MimeTypesTest} keeps the two equal), and the registry is loaded by the first name outside it, or the
 * first file whose type has to be sniffed. That first use waits for it, on the blocking pool (never on an event
 * loop). Name lookups are cached per extension in a small LRU map so the cache cannot grow without bound however
 * many distinct extensions clients ask for. Content-sniffed types depend on the bytes, so they are cached per file
 * version (its ETag: size, mtime, inode) in a second bounded map: sniffing costs about half a millisecond, far
 * too much to pay on every request for the same file.
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

    /**
     * Where Tika's table is missing or outdated for the web (RFC 8081 font types; RFC 9239 JavaScript), or too
     * vague to use.
     */
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
            Map.entry("svg", "image/svg+xml"),
            // Tika's answer for .bin is the generic type, which here means "look at the bytes"; the name already
            // says what the file is, and nginx and Apache serve it as such without sniffing.
            Map.entry("bin", OCTET_STREAM));

    /**
     * Extensions of everyday web content with the type Tika's own glob table gives them (a test checks that each
     * still does): enough to serve most sites without ever loading the registry.
     */
    static final Map<String, String> COMMON = Map.ofEntries(
            Map.entry("html", "text/html"),
            Map.entry("htm", "text/html"),
            Map.entry("xhtml", "application/xhtml+xml"),
            Map.entry("css", "text/css"),
            Map.entry("xml", "application/xml"),
            Map.entry("txt", "text/plain"),
            Map.entry("csv", "text/csv"),
            Map.entry("md", "text/markdown"),
            Map.entry("vtt", "text/vtt"),
            Map.entry("ics", "text/calendar"),
            Map.entry("json", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("atom", "application/atom+xml"),
            Map.entry("rss", "application/rss+xml"),
            Map.entry("png", "image/png"),
            Map.entry("gif", "image/gif"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("bmp", "image/bmp"),
            Map.entry("ico", "image/vnd.microsoft.icon"),
            Map.entry("tif", "image/tiff"),
            Map.entry("tiff", "image/tiff"),
            Map.entry("svgz", "image/svg+xml"),
            Map.entry("heic", "image/heic"),
            Map.entry("jxl", "image/jxl"),
            Map.entry("eot", "application/vnd.ms-fontobject"),
            Map.entry("pdf", "application/pdf"),
            Map.entry("zip", "application/zip"),
            Map.entry("gz", "application/gzip"),
            Map.entry("tgz", "application/gzip"),
            Map.entry("bz2", "application/x-bzip2"),
            Map.entry("xz", "application/x-xz"),
            Map.entry("zst", "application/zstd"),
            Map.entry("7z", "application/x-7z-compressed"),
            Map.entry("tar", "application/x-tar"),
            Map.entry("jar", "application/java-archive"),
            Map.entry("epub", "application/epub+zip"),
            Map.entry("rtf", "application/rtf"),
            Map.entry("doc", "application/msword"),
            Map.entry("xls", "application/vnd.ms-excel"),
            Map.entry("ppt", "application/vnd.ms-powerpoint"),
            Map.entry("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            Map.entry("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            Map.entry("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            Map.entry("odt", "application/vnd.oasis.opendocument.text"),
            Map.entry("ods", "application/vnd.oasis.opendocument.spreadsheet"),
            Map.entry("odp", "application/vnd.oasis.opendocument.presentation"),
            Map.entry("mp3", "audio/mpeg"),
            Map.entry("m4a", "audio/mp4"),
            Map.entry("oga", "audio/ogg"),
            Map.entry("opus", "audio/opus"),
            Map.entry("wav", "audio/vnd.wave"),
            Map.entry("mid", "audio/midi"),
            Map.entry("midi", "audio/midi"),
            Map.entry("mp4", "video/mp4"),
            Map.entry("webm", "video/webm"),
            Map.entry("ogv", "video/ogg"),
            Map.entry("mov", "video/quicktime"),
            Map.entry("mpeg", "video/mpeg"),
            Map.entry("mpg", "video/mpeg"),
            Map.entry("3gp", "video/3gpp"));

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
            if (dot >= 0) {
                cached = WEB_OVERRIDES.get(key);
                if (cached == null) {
                    cached = COMMON.get(key);
                }
            }
            if (cached == null) {
                cached = tikaByName(dot >= 0 ? "x." + key : lower);
            }
            synchronized (lock) {
                byName.put(key, cached);
            }
        }
        return cached.equals(UNKNOWN) ? null : cached;
    }

    /** Tika's answer for a name, {@link #UNKNOWN} when it has none. */
    String tikaByName(String name) {
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

    /** Whether this instance has needed Tika's registry yet (for tests). */
    boolean registryLoaded() {
        return tika != null;
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
