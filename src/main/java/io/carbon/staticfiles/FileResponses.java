package io.carbon.staticfiles;

import io.carbon.http.Body;
import io.carbon.http.PreparedHeaders;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Builds the response for one chosen {@link Representation}, the same way whether the bytes are cached,
 * on disk or streamed: validators, {@code Vary}, conditional requests (RFC 9110 §13.2.2 order), ranges over
 * the selected representation (RFC 9110 §14), and the body.
 *
 * <p>200/206 carry Content-Type, Content-Length (unless streamed), ETag, Last-Modified, Accept-Ranges and
 * Cache-Control (when configured). 304 carries the validators, Cache-Control and Vary, and no
 * Content-Length (RFC 9110 §15.4.5). HEAD gets the headers of the GET without a body, and Range is ignored
 * for anything but GET (RFC 9110 §14.2).
 */
final class FileResponses {

    /** Where the bytes of the representation come from; whatever it holds is released by {@link #release}. */
    interface Content {
        /** The bytes {@code [first, first + length)} as a body the caller owns. */
        Body range(long first, long length) throws IOException;

        /** The whole representation (streams: the only shape they have). */
        Body whole() throws IOException;

        /** Frees what the content holds; called exactly once after the response was built. */
        void release();
    }

    private FileResponses() {
    }

    /** @param nowSeconds the clock, read only when a precondition or an If-Range needs the time */
    static Response build(Request request, Representation rep, Content content, String cacheControl,
                          LongSupplier nowSeconds) throws IOException {
        try {
            return respond(request, rep, content, cacheControl, nowSeconds);
        } finally {
            content.release();
        }
    }

    private static Response respond(Request request, Representation rep, Content content, String cacheControl,
                                    LongSupplier nowSeconds) throws IOException {
        HttpHeaders asked = request.headers();
        String range = asked.get(HttpHeaderNames.RANGE);
        switch (Preconditions.evaluate(request.method(), asked, rep.etag(), rep.lastModified(), nowSeconds)) {
            case NOT_MODIFIED:
                return new Response(HttpResponseStatus.NOT_MODIFIED, validators(rep, cacheControl), Body.EMPTY);
            case PRECONDITION_FAILED:
                Response failed = Response.of(HttpResponseStatus.PRECONDITION_FAILED);
                if (rep.varies()) {
                    failed.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
                }
                return failed;
            default:
                break;
        }
        long length = rep.length();

        Ranges.Decision decision = new Ranges.Full();
        // Range is defined for GET only (RFC 9110 §14.2); If-Range false means "send it all" (§13.1.5).
        if (range != null && length >= 0 && HttpMethod.GET.equals(request.method())
                && Ranges.ifRangeAllows(request.headers().get(HttpHeaderNames.IF_RANGE), rep.etag(),
                rep.lastModified(), nowSeconds.getAsLong())) {
            decision = Ranges.evaluate(range, length);
        }
        if (decision instanceof Ranges.Unsatisfiable) {
            Response response = Response.of(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
            response.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
            if (rep.varies()) {
                response.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
            }
            return response;
        }
        if (decision instanceof Ranges.Partial partial) {
            HttpHeaders headers = validators(rep, cacheControl);
            headers.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
            if (rep.coding() != null) {
                headers.set(HttpHeaderNames.CONTENT_ENCODING, rep.coding().token());
            }
            List<Ranges.ByteRange> ranges = partial.ranges();
            Body body;
            if (ranges.size() == 1) {
                Ranges.ByteRange only = ranges.get(0);
                headers.set(HttpHeaderNames.CONTENT_TYPE, rep.contentType());
                headers.set(HttpHeaderNames.CONTENT_RANGE, only.contentRange(length));
                body = content.range(only.first(), only.length());
            } else {
                String boundary = MultipartByteRanges.newBoundary();
                headers.set(HttpHeaderNames.CONTENT_TYPE, MultipartByteRanges.contentType(boundary));
                body = MultipartByteRanges.build(ranges, length, rep.contentType(), boundary,
                        r -> content.range(r.first(), r.length()));
            }
            headers.set(HttpHeaderNames.CONTENT_LENGTH, body.length());
            return new Response(HttpResponseStatus.PARTIAL_CONTENT, headers, body);
        }
        PreparedHeaders fields = rep.okHeaders() != null ? rep.okHeaders().get(rep, cacheControl)
                : okHeaders(rep, cacheControl);
        return new Response(HttpResponseStatus.OK, fields, request.isHead() ? Body.EMPTY : content.whole());
    }

    /** The validators, Cache-Control and Vary: what a 304 carries (RFC 9110 §15.4.5) and every 2xx too. */
    private static HttpHeaders validators(Representation rep, String cacheControl) {
        // Every value here is made by Carbon or validated config: skip Netty's per-header validation.
        HttpHeaders headers = Response.trustedHeaders();
        headers.set(HttpHeaderNames.ETAG, rep.etag());
        headers.set(HttpHeaderNames.LAST_MODIFIED, rep.lastModifiedDate());
        if (!cacheControl.isEmpty()) {
            headers.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
        }
        if (rep.varies()) {
            // RFC 9110 §12.5.5: on every response whose representation depended on Accept-Encoding, 304 and
            // 206 included, or a shared cache could hand brotli to a client that cannot read it.
            headers.set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        }
        return headers;
    }

    /**
     * The fields of a 200 with the whole representation (also the answer to HEAD): the same for every such
     * response, so cached representations render them once ({@link OkHeaders}).
     */
    static PreparedHeaders okHeaders(Representation rep, String cacheControl) {
        PreparedHeaders.Builder fields = PreparedHeaders.builder();
        validators(rep, cacheControl).forEach(field -> fields.add(field.getKey(), field.getValue()));
        fields.add(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        if (rep.coding() != null) {
            fields.add(HttpHeaderNames.CONTENT_ENCODING, rep.coding().token());
        }
        fields.add(HttpHeaderNames.CONTENT_TYPE, rep.contentType());
        if (rep.length() >= 0) {
            fields.add(HttpHeaderNames.CONTENT_LENGTH, rep.length());
        }
        return fields.build();
    }
}
