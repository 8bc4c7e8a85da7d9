package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.concurrent.Future;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * One request stream of HTTP/2 or HTTP/3 translated to and from its {@link Exchange}, written once for both (their
 * request rules are the same: RFC 9114 §4.1 and §4.3 follow RFC 9113 §8.1 and §8.3): HEADERS become the request
 * head ({@link FramedRequests}), DATA frames the body, the end of the client's stream (END_STREAM on HTTP/2, FIN
 * on HTTP/3) ends the request, and the route's response goes back on the same stream through a
 * {@link StreamResponseWriter} over the stream's {@link StreamOutput}. A branch translates its frames into
 * {@link #onHeaders}, {@link #onData}, {@link #inputEnded}, {@link #onReset}, {@link #onWritable} and
 * {@link #closed}, and implements the few things that really differ as hooks: how a malformed request is
 * refused, its response writer, how a tunnel opens, and how the client is asked to stop sending.
 *
 * <p>The states: HEAD until the request head arrived, BODY while its body does, ANSWERING once the route has it,
 * REJECTED when it was answered before its body was read. A malformed request is a stream error
 * ({@link #rejectMalformed}: RST_STREAM(PROTOCOL_ERROR), RFC 9113 §8.1.1; H3_MESSAGE_ERROR, RFC 9114 §4.1.2).
 * A body over the route's limit, or one that stops arriving for {@code header_timeout} (like HTTP/1.1: else a
 * stalled stream stays open as long as its connection), gets a complete 413 or 408 response, then
 * {@link #stopSending}: RFC 9113 §8.1 and RFC 9114 §4.1.1 let a server that answered early ask the client to stop
 * sending the rest "without error" (RST_STREAM(NO_ERROR), STOP_SENDING with H3_NO_ERROR), leaving the connection
 * and its other streams alone. A client that resets the stream or leaves while its body arrives closed the request
 * (nginx's 499). Per-stream state: never shared; event loop only.
 */
public abstract class FramedRequestStream {

    private enum State { HEAD, BODY, ANSWERING, REJECTED }

    private final Supplier<Exchanges> exchanges;
    private final Duration bodyTimeout;
    private final HttpProtocol protocol;
    private final boolean secure;
    private final boolean extendedConnect;
    /** Where the stream's frames go. */
    protected final StreamOutput out;
    /** The stream's channel, or its connection's: for the client's address and TLS details. */
    private final Channel channel;

    private State state = State.HEAD;
    private Exchange exchange;
    /** Set once a response is being written; told when the stream goes away. */
    private StreamResponseWriter<?> writer;
    /** The body must keep arriving: {@code bodyTimeout} between DATA frames, as on HTTP/1.1. */
    private ProgressTimer bodyTimer;
    private boolean closed;

    /**
     * @param exchanges       the current exchange owner (a reload may replace it)
     * @param bodyTimeout     {@code header_timeout}: the longest wait between two DATA frames of a body
     * @param protocol        HTTP/2 or HTTP/3
     * @param secure          over TLS (the standard headers differ)
     * @param extendedConnect SETTINGS_ENABLE_CONNECT_PROTOCOL was sent: a route tunnels (RFC 8441, RFC 9220)
     * @param out             where the stream's frames go
     * @param channel         the stream's channel or its connection's, for {@link ClientConnection#of}
     */
    protected FramedRequestStream(Supplier<Exchanges> exchanges, Duration bodyTimeout, HttpProtocol protocol,
                                  boolean secure, boolean extendedConnect, StreamOutput out, Channel channel) {
        this.exchanges = exchanges;
        this.bodyTimeout = bodyTimeout;
        this.protocol = protocol;
        this.secure = secure;
        this.extendedConnect = extendedConnect;
        this.out = out;
        this.channel = channel;
    }

    // ---- the protocol's hooks ----

    /** The request head is malformed: a stream error (RST_STREAM(PROTOCOL_ERROR), H3_MESSAGE_ERROR). */
    protected abstract void rejectMalformed();

    /**
     * The client ended its stream before any request head (only HTTP/3 can: its FIN is not a flag of a frame):
     * an incomplete request, RFC 9114 §4.1.2. Treated as malformed unless the protocol says otherwise.
     */
    protected void rejectIncomplete() {
        rejectMalformed();
    }

    /** A writer for one response (or one interim or tunnel head) on this stream, over {@link #out}. */
    protected abstract StreamResponseWriter<?> newWriter();

    /**
     * A 2xx answer to an extended CONNECT: opens what it asks for (a {@link Tunnel}, a {@link Session}). The
     * protocol installs what carries it (the tunnel opens before its 2xx leaves: see
     * {@code Http1ConnectionHandler.openTunnel}), then calls {@link #tunnelHead} and {@link #tunnelOpened}, hands
     * the stream over and returns null. Otherwise it returns the response to send instead: the same one when this
     * stream cannot carry what it asks for; it is then answered as a refused tunnel.
     */
    protected abstract Response openTunnel(Response response);

    /**
     * The complete answer to a request whose body was not read (413, 408, a refused tunnel) is written: asks the
     * client to stop sending the rest (RST_STREAM(NO_ERROR), STOP_SENDING with H3_NO_ERROR).
     */
    protected abstract void stopSending();

    // ---- what the branch translates its frames into ----

    /**
     * A HEADERS frame: the request head, or trailers (RFC 9113 §8.1, RFC 9114 §4.1), which end the request when
     * they end the stream; nothing in them matters to a static server. The caller keeps ownership of the frame.
     *
     * @param endStream END_STREAM came with the frame (HTTP/2; HTTP/3 ends with {@link #inputEnded})
     */
    public final void onHeaders(Headers<CharSequence, CharSequence, ?> headers, boolean endStream) {
        if (state != State.HEAD) {
            if (endStream && state == State.BODY) {
                answer();
            }
            return;
        }
        FramedRequests.Parsed parsed = FramedRequests.parse(headers, protocol, ClientConnection.of(channel),
                extendedConnect);
        if (parsed.request() == null) {
            state = State.REJECTED;
            rejectMalformed();
            return;
        }
        exchange = exchanges.get().begin(parsed.request());
        if (parsed.protocol() != null) {
            if (endStream) {
                // RFC 8441 §4: the stream must stay open for the tunnel; one already half-closed is useless.
                state = State.ANSWERING;
                send(Response.of(HttpResponseStatus.BAD_REQUEST));
            } else {
                answer(); // RFC 8441 §4, RFC 9220 §3: the stream's bytes are the tunnel's, not a body to wait for
            }
            return;
        }
        if (endStream) {
            answer();
            return;
        }
        state = State.BODY;
        HttpResponseStatus refusal = exchange.refusal();
        if (refusal != null) {
            reject(refusal);
            return;
        }
        if (exchange.expectsContinue()) {
            newWriter().writeHead(HttpResponseStatus.CONTINUE, EmptyHttpHeaders.INSTANCE);
        }
        awaitBody();
    }

    /**
     * A DATA frame's payload; the caller keeps ownership of it (and returns its bytes to flow control whatever
     * happens here).
     *
     * @param endStream END_STREAM came with the frame (HTTP/2; HTTP/3 ends with {@link #inputEnded})
     */
    public final void onData(ByteBuf content, boolean endStream) {
        if (state != State.BODY) {
            return;
        }
        if (!exchange.onBody(content)) {
            reject(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            if (endStream) {
                state = State.ANSWERING; // the client sent it all: nothing to ask it to stop
            }
            return;
        }
        if (endStream) {
            answer();
        } else {
            bodyTimer.progress();
        }
    }

    /** The client ended its side of the stream on its own (HTTP/3's FIN): the request is complete. */
    public final void inputEnded() {
        if (state == State.BODY) {
            answer();
        } else if (state == State.HEAD) {
            state = State.REJECTED;
            rejectIncomplete();
        }
    }

    /** The client reset the stream, or it failed: a response still being written stops. */
    public final void onReset() {
        if (writer != null) {
            writer.peerGone();
        }
    }

    /** The stream can take more (its window opened, or the connection's outbound buffer drained). */
    public final void onWritable() {
        if (writer != null) {
            writer.pump();
        }
    }

    /** True once a response is being written (its body may wait for the stream to become writable again). */
    public final boolean writing() {
        return writer != null;
    }

    /** The stream closed (both ends done, reset either way, or the connection went away). Only the first counts. */
    public final void closed() {
        if (closed) {
            return;
        }
        closed = true;
        stopBodyTimer();
        if (writer != null) {
            writer.peerGone(); // usually nothing is being sent any more
        }
        if (exchange != null && state == State.BODY) {
            // Reset or gone while the body was arriving: the client closed the request (nginx's 499).
            exchange.completed(ExchangeOutcome.CLIENT_CLOSED_REQUEST, ExchangeOutcome.Cut.CLIENT_GONE);
        }
    }

    // ---- for openTunnel ----

    /** The exchange of this stream's request (null until its head arrived). */
    protected final Exchange exchange() {
        return exchange;
    }

    /**
     * The finished head of a tunnel's 2xx: the response's body is released, and the head has no Content-Length
     * (RFC 9110 §8.6: none in a 2xx answer to CONNECT; the finisher adds one for empty bodies).
     */
    protected final Response tunnelHead(Response response) {
        response.body().release();
        Response finished = exchange.finisher().finish(new Response(response.status(), response.headers(),
                Body.EMPTY), secure);
        finished.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        return finished;
    }

    /**
     * Writes the tunnel's 2xx head without ending the stream (from then on its DATA frames carry the tunnel's
     * bytes both ways) and reports the exchange; the stream is the tunnel's from now on.
     */
    protected final void tunnelOpened(Response response, Response finished) {
        newWriter().writeHead(finished.status(), finished.headers());
        exchange.completed(response, finished.status().code(), 0, ExchangeOutcome.Cut.TUNNEL);
    }

    // ---- the state machine ----

    private void awaitBody() {
        bodyTimer = new ProgressTimer(out.executor(), bodyTimeout, () -> {
            if (state == State.BODY && out.isOpen()) {
                reject(HttpResponseStatus.REQUEST_TIMEOUT);
            }
        });
        bodyTimer.start();
    }

    private void stopBodyTimer() {
        if (bodyTimer != null) {
            bodyTimer.stop();
        }
    }

    private void answer() {
        stopBodyTimer();
        state = State.ANSWERING;
        exchange.answer(out.executor(), this::send);
    }

    /** Answers now, without reading the rest of the body, then asks the client to stop sending it. */
    private void reject(HttpResponseStatus status) {
        stopBodyTimer();
        state = State.REJECTED;
        send(Response.of(status));
    }

    private void send(Response answer) {
        Response response = answer;
        int status = response.status().code();
        if (!out.isOpen()) {
            // The client reset the stream or left while the route worked.
            response.body().release();
            exchange.completed(response, status, 0, ExchangeOutcome.Cut.CLIENT_GONE);
            return;
        }
        if (exchange.request().connectProtocol() != null) {
            if (response.status().codeClass() == HttpStatusClass.SUCCESS) {
                Response instead = openTunnel(response);
                if (instead == null) {
                    closed = true; // the tunnel owns the stream from now on
                    return;
                }
                response = instead;
                status = response.status().code();
            }
            // A refused tunnel: after the answer, the client is asked to stop sending, which ends its half too.
            state = State.REJECTED;
        }
        boolean stop = state == State.REJECTED;
        StreamResponseWriter<?> sending = newWriter();
        writer = sending;
        int code;
        Future<?> written;
        if (exchange.finisher().preparedAsIs(response)) {
            // A cached file's 200: its fields as rendered once, with this second's standard ones.
            code = 200;
            written = sending.writePrepared(response.prepared(), exchange.finisher().standardFields(secure),
                    response.body(), !exchange.request().isHead());
        } else {
            Response finished = exchange.finisher().finish(response, secure);
            code = finished.status().code();
            written = sending.write(finished.status(), finished.headers(), finished.body(),
                    exchange.sendsBody(code));
        }
        Response sent = response;
        ExchangeOutcome.Cut cut = stop && status == HttpResponseStatus.REQUEST_TIMEOUT.code()
                ? ExchangeOutcome.Cut.TIMEOUT : ExchangeOutcome.Cut.NONE;
        written.addListener(f -> {
            exchange.completed(sent, code, sending.bodyBytes(), f.isSuccess() ? cut
                    : out.isOpen() ? ExchangeOutcome.Cut.WRITE_FAILED : ExchangeOutcome.Cut.CLIENT_GONE);
            if (f.isSuccess() && stop && state == State.REJECTED && out.isOpen()) {
                // RFC 9113 §8.1, RFC 9114 §4.1.1: the response is complete; the rest of the request is not wanted.
                stopSending();
            }
        });
    }
}
