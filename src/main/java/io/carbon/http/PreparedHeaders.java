package io.carbon.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Header fields that are the same on every response of one kind (a cached file's validators, type and
 * length), rendered once: as name/value pairs for any protocol, and in HTTP/1.1 wire form so that an
 * HTTP/1.1 response copies one run of bytes instead of building and encoding a header map every time.
 * Immutable. Names are lower case; every name and value is Carbon's own or from validated configuration,
 * never from a request, so nothing here is validated again.
 */
public final class PreparedHeaders {

    private final AsciiString[] names;
    private final AsciiString[] values;
    private final byte[] http1Lines;
    /** Content-Encoding's value or null: every exchange's report asks for it. */
    private final String contentEncoding;
    /** The last {@link #pairsWith} made: a cached file's fields change never, the standard ones once a second. */
    private volatile Joined joined;

    /** {@code pairs}: this block's fields, then {@code standard}'s, as name, value, name, value, ... */
    private record Joined(PreparedHeaders standard, AsciiString[] pairs) { }

    private PreparedHeaders(List<AsciiString> names, List<AsciiString> values) {
        this.names = names.toArray(AsciiString[]::new);
        this.values = values.toArray(AsciiString[]::new);
        ByteArrayOutputStream wire = new ByteArrayOutputStream(32 * this.names.length);
        for (int i = 0; i < this.names.length; i++) {
            wire.writeBytes(this.names[i].toByteArray());
            wire.write(':');
            wire.write(' ');
            wire.writeBytes(this.values[i].toByteArray());
            wire.write('\r');
            wire.write('\n');
        }
        this.http1Lines = wire.toByteArray();
        this.contentEncoding = get(HttpHeaderNames.CONTENT_ENCODING);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Adds every field to {@code headers} (a new, empty map: fields are added, not replaced). */
    public void addTo(HttpHeaders headers) {
        for (int i = 0; i < names.length; i++) {
            headers.add(names[i], values[i]);
        }
    }

    /** Gives every field, in order, to {@code sink} (names lower case, as HTTP/2 and HTTP/3 want them). */
    public void forEach(java.util.function.BiConsumer<AsciiString, AsciiString> sink) {
        for (int i = 0; i < names.length; i++) {
            sink.accept(names[i], values[i]);
        }
    }

    /**
     * These fields then {@code standard}'s, flat: name, value, name, value, ... (the form of Netty's
     * {@code ReadOnlyHttp2Headers}), so an HTTP/2 response of prepared fields builds no header map at all. The array
     * for the last {@code standard} is kept: every response of one file in one second shares it. Shared; must not
     * be changed. Any thread (two threads joining at once make equal arrays, and either may be kept).
     */
    public AsciiString[] pairsWith(PreparedHeaders standard) {
        Joined last = joined;
        if (last != null && last.standard() == standard) {
            return last.pairs();
        }
        AsciiString[] pairs = new AsciiString[2 * (names.length + standard.names.length)];
        int at = 0;
        for (PreparedHeaders block : new PreparedHeaders[] {this, standard}) {
            for (int i = 0; i < block.names.length; i++) {
                pairs[at++] = block.names[i];
                pairs[at++] = block.values[i];
            }
        }
        joined = new Joined(standard, pairs);
        return pairs;
    }

    /** The number of fields. */
    public int size() {
        return names.length;
    }

    /** The value of {@code name}, or null; for tests and diagnostics (a linear search). */
    public String get(CharSequence name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].contentEqualsIgnoreCase(name)) {
                return values[i].toString();
            }
        }
        return null;
    }

    /** The value of Content-Encoding, or null (found once, when built). */
    public String contentEncoding() {
        return contentEncoding;
    }

    /** {@code name: value\r\n} for every field, in order; shared, must not be changed. */
    public byte[] http1Lines() {
        return http1Lines;
    }

    /** Collects fields in the order they are sent. */
    public static final class Builder {
        private final List<AsciiString> names = new ArrayList<>();
        private final List<AsciiString> values = new ArrayList<>();

        private Builder() {
        }

        public Builder add(CharSequence name, CharSequence value) {
            names.add(AsciiString.of(name).toLowerCase());
            values.add(AsciiString.of(value));
            return this;
        }

        public Builder add(CharSequence name, long value) {
            return add(name, Long.toString(value));
        }

        public PreparedHeaders build() {
            return new PreparedHeaders(names, values);
        }
    }
}
