package io.carbon.staticfiles;

import io.carbon.http.Body;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds a {@code multipart/byteranges} body (RFC 9110 §14.6, framing per RFC 2046 §5.1.1) without copying
 * the content: boundaries and part headers are small heap buffers, the ranges are slices or file segments.
 *
 * <p>Framing: the body starts with {@code --boundary CRLF}, each part has {@code Content-Type} and
 * {@code Content-Range}, an empty line, the bytes; the CRLF before each following delimiter belongs to the
 * delimiter, and the body ends with {@code CRLF --boundary-- CRLF}.
 */
public final class MultipartByteRanges {

    /**
     * The body of one range: a slice of cached bytes, or a file segment on a channel of its own (each
     * segment closes its channel).
     */
    @FunctionalInterface
    public interface PartSource {
        Body part(Ranges.ByteRange range) throws IOException;
    }

    private MultipartByteRanges() {
    }

    /** A fresh boundary: 16 random hex digits after a fixed prefix, never found in part headers. */
    public static String newBoundary() {
        return "carbon-" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    /** {@code multipart/byteranges; boundary=...} for the response's Content-Type. */
    public static String contentType(String boundary) {
        return "multipart/byteranges; boundary=" + boundary;
    }

    /**
     * Builds the body. On failure everything opened so far is released before the exception propagates.
     *
     * @param contentType the representation's Content-Type, repeated in every part (null to omit)
     */
    public static Body build(List<Ranges.ByteRange> ranges, long size, String contentType, String boundary,
                             PartSource source) throws IOException {
        List<Body> parts = new ArrayList<>(ranges.size() * 2 + 1);
        try {
            boolean firstPart = true;
            for (Ranges.ByteRange range : ranges) {
                StringBuilder head = new StringBuilder(128);
                if (!firstPart) {
                    head.append("\r\n");
                }
                head.append("--").append(boundary).append("\r\n");
                if (contentType != null) {
                    head.append("Content-Type: ").append(contentType).append("\r\n");
                }
                head.append("Content-Range: ").append(range.contentRange(size)).append("\r\n\r\n");
                parts.add(ascii(head));
                parts.add(source.part(range));
                firstPart = false;
            }
            parts.add(ascii("\r\n--" + boundary + "--\r\n"));
            return new Body.Parts(parts);
        } catch (IOException | RuntimeException | Error e) {
            for (Body part : parts) {
                try {
                    part.release();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static Body ascii(CharSequence text) {
        return Body.of(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }
}
