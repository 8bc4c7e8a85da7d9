package io.carbon.websocket;

import io.carbon.channels.ChannelHub;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SSE side of a channel without a network: formatting, waiting, heartbeats, replay, overflow, close. */
class SseStreamTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final ChannelHub hub = new ChannelHub(16, 16, 4, 1024);

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    private SseStream stream(int queue, Duration heartbeat, long lastEventId) {
        SseStream stream = new SseStream(hub, "news", queue, timers, heartbeat.toNanos());
        assertThat(stream.subscribe(lastEventId)).isNull();
        return stream;
    }

    private static String text(CompletableFuture<ByteBuf> piece) throws Exception {
        ByteBuf buf = piece.get(5, TimeUnit.SECONDS);
        if (buf == null) {
            return null;
        }
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    private void publish(String text) {
        hub.publish("news", null, true, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    @Test
    void eventsAreFormattedWithIdsAndOneDataLinePerLine() {
        ByteBuf out = Unpooled.buffer();
        SseFormat.event(out, 7, Unpooled.copiedBuffer("a\nb\r\nc\rd", StandardCharsets.UTF_8));
        SseFormat.event(out, 8, Unpooled.copiedBuffer("ends with a newline\n", StandardCharsets.UTF_8));
        SseFormat.event(out, 9, Unpooled.EMPTY_BUFFER);
        SseFormat.event(out, 10, Unpooled.copiedBuffer("κόσμε: ok", StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
                "id: 7\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
                        + "id: 8\ndata: ends with a newline\ndata: \n\n"
                        + "id: 9\ndata: \n\n"
                        + "id: 10\ndata: κόσμε: ok\n\n");
        out.release();
    }

    @Test
    void theFirstPieceIsThePreludeThenEachPublishWakesThePendingPiece() throws Exception {
        SseStream stream = stream(8, Duration.ofSeconds(30), -1);
        assertThat(text(stream.next(ALLOC))).isEqualTo(": carbon channel\n\n");
        CompletableFuture<ByteBuf> pending = stream.next(ALLOC);
        assertThat(pending).isNotDone();
        hub.publish("news", null, false, Unpooled.wrappedBuffer(new byte[] {1})); // binary: not for SSE
        assertThat(pending).isNotDone();
        publish("hello");
        String event = text(pending);
        assertThat(event).matches("id: \\d+\ndata: hello\n\n");
        stream.close();
        assertThat(hub.channels()).isZero();
    }

    @Test
    void queuedEventsAreBatchedIntoOnePiece() throws Exception {
        SseStream stream = stream(8, Duration.ofSeconds(30), -1);
        publish("one");
        publish("two");
        assertThat(text(stream.next(ALLOC))).contains(": carbon channel", "data: one", "data: two");
        stream.close();
    }

    @Test
    void aHeartbeatCommentComesWhenNothingHappens() throws Exception {
        SseStream stream = stream(8, Duration.ofMillis(50), -1);
        text(stream.next(ALLOC));
        long start = System.nanoTime();
        assertThat(text(stream.next(ALLOC))).isEqualTo(": keep-alive\n\n");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
        stream.close();
    }

    @Test
    void lastEventIdReplaysWhatTheChannelKept() throws Exception {
        SseStream keeper = stream(8, Duration.ofSeconds(30), -1); // keeps the channel alive
        for (int i = 1; i <= 6; i++) {
            publish("m" + i);
        }
        String all = text(keeper.next(ALLOC));
        long idOfM3 = Long.parseLong(all.split("id: ")[3].split("\n")[0]);
        SseStream reconnecting = stream(8, Duration.ofSeconds(30), idOfM3);
        String replayed = text(reconnecting.next(ALLOC));
        // sse_replay is 4 here: m3..m6 are kept, and the client has m3 already.
        assertThat(replayed).contains("data: m4", "data: m5", "data: m6").doesNotContain("data: m3");
        SseStream tooOld = stream(8, Duration.ofSeconds(30), 0);
        assertThat(text(tooOld.next(ALLOC))).contains("data: m3", "data: m6").doesNotContain("data: m2");
        keeper.close();
        reconnecting.close();
        tooOld.close();
    }

    @Test
    void aSubscriberThatFallsBehindFailsItsResponseAndIsCounted() throws Exception {
        SseStream slow = stream(2, Duration.ofSeconds(30), -1);
        SseStream other = stream(8, Duration.ofSeconds(30), -1);
        publish("1");
        publish("2");
        publish("3"); // the third does not fit the slow one's queue of 2
        assertThat(hub.droppedSubscribers()).isEqualTo(1);
        assertThat(hub.subscribers("news")).isEqualTo(1);
        assertThat(text(slow.next(ALLOC))).contains("data: 1", "data: 2"); // what it had is still delivered
        assertThatThrownBy(() -> slow.next(ALLOC).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
        slow.close();
        assertThat(text(other.next(ALLOC))).contains("data: 3");
        other.close();
        assertThat(hub.channels()).isZero();
    }

    @Test
    void closeEndsAPendingPieceAndReleasesTheQueue() throws Exception {
        SseStream stream = stream(8, Duration.ofSeconds(30), -1);
        text(stream.next(ALLOC));
        CompletableFuture<ByteBuf> pending = stream.next(ALLOC);
        stream.close();
        assertThat(text(pending)).isNull();
        assertThat(text(stream.next(ALLOC))).isNull();
        assertThat(hub.channels()).isZero();

        SseStream full = stream(8, Duration.ofSeconds(30), -1);
        publish("never read");
        full.close(); // the queued event's buffer is released (the leak detector would say otherwise)
    }

    @Test
    void shutdownEndsTheStreamAfterWhatIsQueued() throws Exception {
        SseStream stream = stream(8, Duration.ofSeconds(30), -1);
        text(stream.next(ALLOC));
        publish("last words");
        hub.shutdown();
        assertThat(text(stream.next(ALLOC))).contains("data: last words");
        assertThat(text(stream.next(ALLOC))).isNull();
        assertThat(stream.subscribe(-1)).isEqualTo(ChannelHub.Refusal.SHUT_DOWN);
        stream.close();
    }
}
