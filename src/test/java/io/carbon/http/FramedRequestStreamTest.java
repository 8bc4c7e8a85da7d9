package io.carbon.http;

import io.carbon.config.SecurityHeadersConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request-stream state machine HTTP/2 and HTTP/3 share, without a network: a fake protocol records its hook
 * calls and the frames written (each write leaves with the flush that ends its read batch, as on an HTTP/2
 * connection), and the listener records how each exchange ended.
 */
class FramedRequestStreamTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** Frames that left and hook calls, in order. */
    private final List<String> trace = new ArrayList<>();
    private final List<String> outcomes = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private boolean open = true;
    private boolean reading;
    private boolean tunnels = true;

    private record Pending(Object frame, ChannelPromise promise) {
    }

    private record Head(int status, boolean endStream) {
    }

    private record Data(ByteBuf content, boolean endStream) {
    }

    /** A stream whose writes wait for the flush, and fail once the client is gone. */
    private final StreamOutput output = new StreamOutput() {
        @Override
        public ChannelFuture write(Object frame) {
            ChannelPromise promise = channel.newPromise();
            if (!open) {
                release(frame);
                return promise.setFailure(new IllegalStateException("stream closed"));
            }
            pending.add(new Pending(frame, promise));
            return promise;
        }

        @Override
        public void flush() {
            if (!reading) {
                flushNow();
            }
        }

        @Override
        public boolean isWritable() {
            return open;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public EventExecutor executor() {
            return channel.eventLoop();
        }

        @Override
        public ByteBufAllocator alloc() {
            return channel.alloc();
        }
    };

    private final class Writer extends StreamResponseWriter<Integer> {
        Writer() {
            super(output);
        }

        @Override
        protected Integer responseHead(HttpResponseStatus status, HttpHeaders headers) {
            return status.code();
        }

        @Override
        protected Integer preparedHead(PreparedHeaders fields, PreparedHeaders standard) {
            return 200;
        }

        @Override
        protected Object headersFrame(Integer head, boolean endStream) {
            return new Head(head, endStream);
        }

        @Override
        protected Object dataFrame(ByteBuf data, boolean endStream) {
            return new Data(data, endStream);
        }
    }

    private final class FakeStream extends FramedRequestStream {
        FakeStream(Duration bodyTimeout) {
            super(() -> exchanges(), bodyTimeout, HttpProtocol.HTTP_2, true, true, output, channel);
        }

        @Override
        protected void rejectMalformed() {
            trace.add("RESET malformed");
        }

        @Override
        protected void rejectIncomplete() {
            trace.add("RESET incomplete");
        }

        @Override
        protected StreamResponseWriter<?> newWriter() {
            return new Writer();
        }

        @Override
        protected Response openTunnel(Response response) {
            if (!tunnels || response.tunnel() == null) {
                return response;
            }
            Response finished = tunnelHead(response);
            assertThat(finished.headers().contains("content-length")).isFalse();
            trace.add("TUNNEL");
            tunnelOpened(response, finished);
            return null;
        }

        @Override
        protected void stopSending() {
            trace.add("STOP");
        }
    }

    private Exchanges exchanges() {
        Tunnel tunnel = new Tunnel() {
            @Override
            public void open(ChannelPipeline pipeline) {
            }

            @Override
            public Duration closeWait() {
                return Duration.ofSeconds(1);
            }
        };
        HttpHandler tunnelling = request -> CompletableFuture.completedFuture(
                Response.of(HttpResponseStatus.OK).tunnel(tunnel));
        HttpHandler ok = request -> CompletableFuture.completedFuture(Response.text(HttpResponseStatus.OK, "ok\n"));
        RouteTable routes = RouteTable.builder()
                .route(new Route("tunnel", path -> path.startsWith("/tunnel"), tunnelling, List.of(),
                        head -> BodyPolicy.DISCARD, "websocket"))
                .route(new Route("upload", path -> true, ok, List.of(), head -> BodyPolicy.buffer(10)))
                .build();
        ResponseFinisher finisher = new ResponseFinisher(
                new StandardHeaders(new SecurityHeadersConfig(false, "", "", "", ""), ""), ErrorPages.builtInOnly());
        return new Exchanges(routes, finisher, (request, outcome) -> outcomes.add(outcome.status() + " "
                + outcome.cut()), (r, f) -> { }, 1000);
    }

    @AfterEach
    void releaseAll() {
        pending.forEach(p -> release(p.frame()));
        channel.finishAndReleaseAll();
    }

    private static void release(Object frame) {
        if (frame instanceof Data data) {
            data.content().release();
        }
    }

    private void flushNow() {
        List<Pending> leaving = new ArrayList<>(pending);
        pending.clear();
        for (Pending p : leaving) {
            if (p.frame() instanceof Head head) {
                trace.add("H " + head.status() + (head.endStream() ? " END" : ""));
            } else if (p.frame() instanceof Data data) {
                trace.add("D" + (data.endStream() ? " END" : ""));
                data.content().release();
            }
            p.promise().setSuccess();
        }
    }

    /** One read batch: what the stream writes leaves with one flush at its end. */
    private void batch(Runnable events) {
        reading = true;
        events.run();
        reading = false;
        flushNow();
    }

    /**
     * Steps, comma-separated: {@code METHOD /path [END] [name=value]} (a request head), {@code CONNECT /path [END]}
     * (an extended CONNECT), {@code TRAILERS [END]}, {@code DATA n [END]}, {@code FIN} (HTTP/3's end of input),
     * {@code RESET} (the client reset the stream, which closed), {@code GONE} (the client left),
     * {@code NOTUNNEL} (this stream cannot carry a tunnel). Each step is one read batch. The trace: {@code H status}
     * a HEADERS frame, {@code D} a DATA frame ({@code END}: it ends the stream), {@code STOP} the request to stop
     * sending, {@code RESET} a stream error, {@code TUNNEL} a tunnel opening; the outcome: what the listener heard.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // what                               | steps                             | frames and hooks      | outcome
        "a head with END_STREAM               | GET / END                         | H 200, D END          | 200 NONE",
        "a body, then END_STREAM              | POST /, DATA 5, DATA 5 END        | H 200, D END          | 200 NONE",
        "a body ended by FIN (HTTP/3)         | POST /, DATA 5, FIN               | H 200, D END          | 200 NONE",
        "FIN before any head: incomplete      | FIN                               | RESET incomplete      | -",
        "a malformed head: stream error       | GET no-slash                      | RESET malformed       | -",
        "then frames are ignored              | GET no-slash, DATA 5 END, FIN     | RESET malformed       | -",
        "over the limit: 413, stop sending    | POST /, DATA 6, DATA 5            | H 413, D END, STOP    | 413 NONE",
        "over it on the last frame: 413 only  | POST /, DATA 11 END               | H 413, D END          | 413 NONE",
        "frames after a 413 are ignored       | POST /, DATA 11, DATA 5 END, FIN  | H 413, D END, STOP    | 413 NONE",
        "a declared length over the limit     | POST / content-length=11          | H 413, D END, STOP    | 413 NONE",
        "an unknown expectation: 417          | POST / expect=magic               | H 417, D END, STOP    | 417 NONE",
        "100-continue, then the body     | POST / expect=100-continue, DATA 3 END | H 100, H 200, D END | 200 NONE",
        "trailers with END_STREAM end it      | POST /, DATA 3, TRAILERS END      | H 200, D END          | 200 NONE",
        "trailers without it wait for FIN     | POST /, DATA 3, TRAILERS, FIN     | H 200, D END          | 200 NONE",
        "a reset mid-body: 499                | POST /, DATA 3, RESET             | ''               | 499 CLIENT_GONE",
        "the client left before the answer    | POST /, DATA 3, GONE, FIN         | ''               | 200 CLIENT_GONE",
        "extended CONNECT: tunnel             | CONNECT /tunnel                   | TUNNEL, H 200         | 200 TUNNEL",
        "extended CONNECT already ended: 400  | CONNECT /tunnel END               | H 400, D END, STOP    | 400 NONE",
        "a tunnel the stream cannot carry     | NOTUNNEL, CONNECT /tunnel         | H 200 END, STOP       | 200 NONE",
        "a CONNECT answered without a tunnel  | CONNECT /other                    | H 200, D END, STOP    | 200 NONE",
    })
    void stateMachine(String name, String steps, String frames, String outcome) {
        FakeStream stream = new FakeStream(Duration.ofSeconds(30));
        for (String step : steps.split(",")) {
            batch(() -> step(stream, step.trim().split(" ")));
        }
        stream.closed(); // the stream closes in the end, whatever happened; only what was open counts
        assertThat(trace).containsExactlyElementsOf(frames.isEmpty() ? List.of() : Arrays.asList(frames.split(", ")));
        assertThat(outcomes).containsExactlyElementsOf(outcome.equals("-") ? List.of() : List.of(outcome));
    }

    private void step(FakeStream stream, String[] words) {
        boolean end = words[words.length - 1].equals("END");
        switch (words[0]) {
            case "DATA" -> data(stream, Integer.parseInt(words[1]), end);
            case "TRAILERS" -> stream.onHeaders(new DefaultHttp2Headers().add("x-checksum", "1"), end);
            case "FIN" -> stream.inputEnded();
            case "RESET" -> {
                open = false;
                stream.onReset();
                stream.closed();
            }
            case "GONE" -> open = false;
            case "NOTUNNEL" -> tunnels = false;
            default -> stream.onHeaders(head(words), end);
        }
    }

    /** A DATA frame's payload, which the caller owns. */
    private static void data(FakeStream stream, int length, boolean end) {
        ByteBuf content = Unpooled.buffer(length).writeZero(length);
        try {
            stream.onData(content, end);
        } finally {
            content.release();
        }
    }

    private static Http2Headers head(String[] words) {
        Http2Headers headers = new DefaultHttp2Headers().method(words[0]).scheme("https").authority("localhost")
                .path(words[1]);
        if (words[0].equals("CONNECT")) {
            headers.set(":protocol", "websocket");
        }
        for (int i = 2; i < words.length; i++) {
            int equals = words[i].indexOf('=');
            if (equals > 0) {
                headers.add(words[i].substring(0, equals), words[i].substring(equals + 1));
            }
        }
        return headers;
    }

    @Test
    void aBodyThatStopsArrivingGets408ThenStopSending() throws InterruptedException {
        FakeStream stream = new FakeStream(Duration.ofMillis(50));
        batch(() -> stream.onHeaders(head(new String[] {"POST", "/"}), false));
        batch(() -> data(stream, 3, false));
        assertThat(trace).isEmpty();
        Thread.sleep(120);
        channel.runScheduledPendingTasks();
        assertThat(trace).containsExactly("H 408", "D END", "STOP");
        assertThat(outcomes).containsExactly("408 TIMEOUT");
        batch(() -> data(stream, 3, true)); // too late: ignored
        stream.closed();
        assertThat(outcomes).hasSize(1);
    }

    @Test
    void aBodyThatKeepsArrivingIsNotTimedOut() throws InterruptedException {
        FakeStream stream = new FakeStream(Duration.ofSeconds(30));
        batch(() -> stream.onHeaders(head(new String[] {"POST", "/"}), false));
        batch(() -> data(stream, 3, false));
        channel.runScheduledPendingTasks();
        assertThat(trace).isEmpty();
        batch(() -> data(stream, 3, true));
        assertThat(trace).containsExactly("H 200", "D END");
        assertThat(stream.writing()).isTrue();
    }
}
