package io.carbon.http;

import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The header block of a response on HTTP/2 or HTTP/3, whose rules are the same (RFC 9113 §8.2, RFC 9114
 * §4.2): {@code :status} first, lower-case names, and none of the connection-specific fields.
 */
public final class FramedResponseHeaders {

    private static final AsciiString STATUS = AsciiString.cached(":status");

    /** RFC 9113 §8.2.2, RFC 9114 §4.2: connection-specific fields must not appear. */
    private static final Set<AsciiString> CONNECTION_SPECIFIC = Set.of(
            AsciiString.cached("connection"), AsciiString.cached("keep-alive"),
            AsciiString.cached("proxy-connection"), AsciiString.cached("transfer-encoding"),
            AsciiString.cached("upgrade"));

    private FramedResponseHeaders() {
    }

    /** Fills the empty {@code block} with {@code status} and {@code headers}, made fit for HTTP/2 and HTTP/3. */
    public static <H extends Headers<CharSequence, CharSequence, ?>> H of(H block, HttpResponseStatus status,
                                                                           HttpHeaders headers) {
        block.add(STATUS, status.codeAsText());
        Iterator<Map.Entry<CharSequence, CharSequence>> fields = headers.iteratorCharSequence();
        while (fields.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = fields.next();
            AsciiString name = AsciiString.of(field.getKey()).toLowerCase();
            if (!CONNECTION_SPECIFIC.contains(name)) {
                block.add(name, field.getValue());
            }
        }
        return block;
    }

    /**
     * Fills the empty {@code block} with a 200 from prepared fields (a cached file's, then the standard ones
     * of this second): they are lower case and connection-neutral already, so they are copied as they are.
     */
    public static <H extends Headers<CharSequence, CharSequence, ?>> H prepared(H block, PreparedHeaders fields,
                                                                                 PreparedHeaders standard) {
        block.add(STATUS, HttpResponseStatus.OK.codeAsText());
        fields.forEach(block::add);
        standard.forEach(block::add);
        return block;
    }
}
