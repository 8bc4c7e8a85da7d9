package io.carbon.staticfiles;

import io.carbon.config.FilesConfig;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps a raw (still percent-encoded) request path to a file inside the document root, or rejects it.
 *
 * <p>Two steps. {@link #resolve(String)} is purely lexical and does no I/O: it validates and decodes the
 * path once, removes dot-segments inside the root and refuses anything that could name a file outside it.
 * {@link #confine(Path)} touches the file system (call it on the blocking pool): it follows symlinks and
 * refuses a real path that leaves the real root unless {@code symlinks_outside_root} allows it.
 *
 * <p>Decisions:
 * <ul>
 *   <li>Malformed input answers 400: bad percent-encoding, NUL or other control bytes, an encoded slash
 *       ({@code %2f}) or backslash ({@code %5c}), a raw backslash, invalid or overlong UTF-8 after decoding,
 *       and a {@code ..} that would climb above the root. The last one is 400 rather than 404 because no
 *       correct client sends it: RFC 3986 §5.2.4 removes dot-segments before a request is made, and a
 *       path that still climbs is an attack, not a missing file (nginx answers 400 too).</li>
 *   <li>{@code %2e} decodes to '.', and a segment that decodes to {@code .} or {@code ..} is a dot-segment
 *       (RFC 3986 §6.2.2.2: percent-encoded unreserved characters are equivalent to the characters).</li>
 *   <li>The path is decoded exactly once, so {@code %252e%252e} is the literal name {@code %2e%2e}.</li>
 *   <li>Hidden segments (starting with '.') answer 404 when {@code hide_dotfiles} is on, as do real paths
 *       outside the root: to a client they simply do not exist.</li>
 * </ul>
 */
public final class PathResolver {

    /** The outcome of {@link #resolve(String)} and {@link #confine(Path)}. */
    public sealed interface Resolution permits Found, Rejected {
    }

    /**
     * A path inside the root.
     *
     * @param path             the file system path (lexically inside the root)
     * @param trailingSlash    true when the request asked for a directory (the path ended in '/')
     */
    public record Found(Path path, boolean trailingSlash) implements Resolution {
    }

    /** A rejected path and the status to answer with. */
    public record Rejected(HttpResponseStatus status) implements Resolution {
        static final Rejected BAD_REQUEST = new Rejected(HttpResponseStatus.BAD_REQUEST);
        static final Rejected NOT_FOUND = new Rejected(HttpResponseStatus.NOT_FOUND);
    }

    /** Slots of {@link #recent}: a power of two. */
    private static final int RECENT_SLOTS = 512;
    /** Longer paths are resolved every time: a hostile stream of long paths cannot pin much memory. */
    private static final int RECENT_MAX_PATH = 256;

    /** One remembered resolution; immutable, so sharing it between event loops without a lock is safe. */
    private record Recent(String rawPath, Resolution resolution) {
    }

    /**
     * The last resolution per slot, by the raw path's hash: a site's hot paths are resolved once, not on
     * every request (decoding, dot-segments and {@code Path} building were half of the static-file
     * handler's time on small files). Event loops read and replace slots without a lock; a lost update only
     * costs one more resolution.
     */
    private final Recent[] recent = new Recent[RECENT_SLOTS];
    private final Path root;
    private final boolean hideDotfiles;
    private final boolean symlinksOutsideRoot;
    /** The root's real path, computed on first use (on the blocking pool, it is I/O). */
    private volatile Path realRoot;

    public PathResolver(FilesConfig config) {
        this.root = config.wwwPath().toAbsolutePath().normalize();
        this.hideDotfiles = config.hideDotfiles();
        this.symlinksOutsideRoot = config.symlinksOutsideRoot();
    }

    /** Lexical resolution, no I/O. */
    public Resolution resolve(String rawPath) {
        if (rawPath == null || rawPath.length() > RECENT_MAX_PATH) {
            return resolveNow(rawPath);
        }
        int slot = rawPath.hashCode() & (RECENT_SLOTS - 1);
        Recent remembered = recent[slot];
        if (remembered != null && remembered.rawPath().equals(rawPath)) {
            return remembered.resolution();
        }
        Resolution resolution = resolveNow(rawPath);
        recent[slot] = new Recent(rawPath, resolution);
        return resolution;
    }

    private Resolution resolveNow(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return Rejected.BAD_REQUEST;
        }
        List<String> segments = new ArrayList<>();
        boolean trailingSlash = false;
        int start = 1;
        int len = rawPath.length();
        while (start <= len) {
            int end = rawPath.indexOf('/', start);
            if (end < 0) {
                end = len;
            }
            // Split on the RAW '/', before decoding: an encoded slash never becomes a separator (and is
            // rejected by decodeSegment anyway).
            String segment = decodeSegment(rawPath, start, end);
            if (segment == null) {
                return Rejected.BAD_REQUEST;
            }
            boolean last = end == len;
            if (segment.isEmpty()) {
                // "//" collapses; an empty last segment means the path ended in '/'.
                trailingSlash = last;
            } else if (segment.equals(".")) {
                trailingSlash = last; // "/a/." is "/a/" (RFC 3986 §5.2.4)
            } else if (segment.equals("..")) {
                if (segments.isEmpty()) {
                    return Rejected.BAD_REQUEST; // climbs above the root: see the class comment
                }
                segments.remove(segments.size() - 1);
                trailingSlash = last;
            } else {
                if (hideDotfiles && segment.charAt(0) == '.') {
                    return Rejected.NOT_FOUND;
                }
                segments.add(segment);
                trailingSlash = false;
            }
            start = end + 1;
        }
        Path path = root;
        try {
            for (String segment : segments) {
                path = path.resolve(segment);
            }
        } catch (InvalidPathException e) {
            return Rejected.BAD_REQUEST; // a name this file system cannot represent
        }
        // Defence in depth: by construction the path cannot leave the root, check anyway.
        if (!path.normalize().startsWith(root)) {
            return Rejected.BAD_REQUEST;
        }
        return new Found(path, trailingSlash);
    }

    /**
     * Follows symlinks and checks the real path stays inside the real root (unless symlinks outside the root
     * are allowed). Blocking: call on the blocking pool.
     *
     * @return {@link Found} with the real path to open, or 404 when the file does not exist or lies outside
     * @throws IOException for other I/O failures (e.g. permission denied on a parent directory)
     */
    public Resolution confine(Path path) throws IOException {
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            return Rejected.NOT_FOUND;
        } catch (AccessDeniedException e) {
            throw e; // a parent directory without search permission: the caller answers 403
        } catch (FileSystemException e) {
            // ENOTDIR ("/file.html/x"), ELOOP (symlink loop), ENAMETOOLONG: no such resource to a client.
            return Rejected.NOT_FOUND;
        }
        if (symlinksOutsideRoot) {
            return new Found(real, false);
        }
        Path realRootPath = realRoot();
        if (!real.startsWith(realRootPath)) {
            return Rejected.NOT_FOUND;
        }
        if (hideDotfiles) {
            // A symlink with an innocent name may point at a hidden file inside the root (e.g. "cfg" ->
            // ".git/config"): the lexical check saw only the link's name.
            for (Path part : realRootPath.relativize(real)) {
                String name = part.toString();
                if (!name.isEmpty() && name.charAt(0) == '.') {
                    return Rejected.NOT_FOUND;
                }
            }
        }
        return new Found(real, false);
    }

    private Path realRoot() throws IOException {
        Path r = realRoot;
        if (r == null) {
            r = root.toRealPath();
            realRoot = r;
        }
        return r;
    }

    /**
     * Percent-decodes one segment once and validates it.
     *
     * @return the decoded segment, or null when it is malformed
     */
    static String decodeSegment(String raw, int start, int end) {
        byte[] bytes = new byte[end - start];
        int n = 0;
        for (int i = start; i < end; i++) {
            char c = raw.charAt(i);
            int b;
            if (c == '%') {
                if (i + 2 >= end) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                b = (hi << 4) | lo;
                i += 2;
                if (b == '/' || b == '\\') {
                    return null; // an encoded separator would let a name smuggle a path
                }
            } else if (c > 0xFF) {
                return null; // the request line is bytes; a char above 0xFF cannot come from the wire
            } else {
                // Raw bytes 0x80-0xFF are accepted as raw UTF-8 (some clients do not encode them) and are
                // validated by the UTF-8 decoding below.
                b = c;
                if (b == '\\') {
                    return null; // never a separator here, but one on other systems and in many exploits
                }
            }
            if (b < 0x20 || b == 0x7F) {
                return null; // NUL truncates names in C; CR/LF split log lines and headers
            }
            bytes[n++] = (byte) b;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            // Java's decoder rejects overlong forms (e.g. C0 AE for '.'), surrogates and truncated sequences.
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, 0, n));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
