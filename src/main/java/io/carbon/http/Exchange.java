package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * One request's life in the shared layer, the same on every protocol: its route's body policy (the limit,
 * and whether the body is kept for the handler), {@code Expect} (RFC 9110 §10.1.1), the rule for whether a
 * response carries a body, and the report to the listeners, made exactly once however the exchange ends. A
 * branch creates one per request head ({@link Exchanges#begin}), feeds it the body, hands it the response's
 * fate, and keeps only its own framing. Event loop only.
 */
public final class Exchange {

    private final Exchanges owner;
    private final Request head;
    /** The route's limit, once a body is announced or arrives (most requests have none: no lookup for them). */
    private long limit = -1;
    /** The body as it arrives, when the route wants it; null when it is discarded. */
    private ByteArrayOutputStream kept;
    private long bodyBytes;
    private boolean expectsContinue;
    private boolean reported;

    Exchange(Exchanges owner, Request head) {
        this.owner = owner;
        this.head = head;
    }

    /** Applies the route's body policy, once. */
    private long limit() {
        if (limit < 0) {
            BodyPolicy policy = owner.routes().bodyPolicy(head);
            limit = policy.limit(owner.maxBodySize());
            kept = policy instanceof BodyPolicy.Buffer ? new ByteArrayOutputStream() : null;
        }
        return limit;
    }

    public Request request() {
        return head;
    }

    public ResponseFinisher finisher() {
        return owner.finisher();
    }

    /**
     * Why the request is refused before its body is read, or null: 413 when the declared length is over the
     * route's limit (RFC 9110 §15.5.14), 417 for an expectation other than 100-continue (§10.1.1).
     */
    public HttpResponseStatus refusal() {
        String length = head.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && parseLength(length) > limit()) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        String expect = head.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            expectsContinue = HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim());
            if (!expectsContinue) {
                return HttpResponseStatus.EXPECTATION_FAILED;
            }
        }
        return null;
    }

    /** After {@link #refusal()} found none: true when the client waits for 100 Continue before its body. */
    public boolean expectsContinue() {
        return expectsContinue;
    }

    /**
     * Takes body bytes as they arrive (the caller keeps ownership of {@code content}).
     *
     * @return false once the body is over the limit: answer 413 without reading the rest
     */
    public boolean onBody(ByteBuf content) {
        if (!content.isReadable()) {
            return true; // the empty end of a body-less request
        }
        bodyBytes += content.readableBytes();
        if (bodyBytes > limit()) {
            kept = null;
            return false;
        }
        if (kept != null && content.isReadable()) {
            kept.writeBytes(ByteBufUtil.getBytes(content));
        }
        return true;
    }

    /** Body bytes received so far. */
    public long requestBodyBytes() {
        return bodyBytes;
    }

    /**
     * The body is complete: asks the route table (with the body, when the route keeps it) and hands the
     * response to {@code then} on {@code loop}.
     */
    public void answer(EventExecutor loop, Consumer<Response> then) {
        Request request = kept != null ? head.withBody(ByteBuffer.wrap(kept.toByteArray())) : head;
        kept = null;
        owner.answer(request, loop, then);
    }

    /** RFC 9110 §9.3.2, §15.3.5, §15.4.5: HEAD, 1xx, 204 and 304 responses carry no body. */
    public boolean sendsBody(int status) {
        return !head.isHead() && status >= 200 && status != 204 && status != 304;
    }

    /** True once the listeners were told. */
    public boolean reported() {
        return reported;
    }

    /** Tells the listeners how the exchange ended; only the first call counts. */
    public void completed(Response response, int status, long responseBodyBytes, ExchangeOutcome.Cut cut) {
        if (reported) {
            return;
        }
        reported = true;
        owner.listener().exchangeCompleted(head, new ExchangeOutcome(status, bodyBytes, responseBodyBytes,
                System.nanoTime() - head.startNanos(), contentEncoding(response), response != null
                && response.fromCache(), cut));
    }

    /** For an exchange that ended without a response being written (a timeout, a client that left). */
    public void completed(int status, ExchangeOutcome.Cut cut) {
        completed(null, status, 0, cut);
    }

    private static String contentEncoding(Response response) {
        if (response == null) {
            return null;
        }
        PreparedHeaders prepared = response.prepared();
        return prepared != null ? prepared.contentEncoding()
                : response.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1; // the codecs reject a malformed Content-Length before it gets here
        }
    }
}
