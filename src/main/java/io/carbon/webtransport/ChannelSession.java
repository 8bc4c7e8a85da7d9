package io.carbon.webtransport;

import io.carbon.channels.ChannelHub;
import io.carbon.channels.ChannelMessage;
import io.carbon.channels.Subscriber;
import io.carbon.channels.SubscriberQueue;
import io.carbon.http.Session;
import io.carbon.http.SessionHandle;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebTransport session as a member of a channel, beside WebSocket and SSE members of the same hub: a stream the
 * client sends (and ends) is one message, published reliably to every other member (as a text message when it
 * is valid UTF-8); each message the session receives comes on a new unidirectional stream of its own, from a
 * bounded queue ({@code websocket_queue_size}; falling further behind closes the session). A datagram is sent on
 * to the other WebTransport members as a datagram, unreliably: a member that already has
 * {@link #DATAGRAMS_IN_FLIGHT} waiting, or whose connection is congested, misses it (counted), and WebSocket and
 * SSE members get it as an ordinary message.
 */
final class ChannelSession implements Session, Subscriber {

    /** Datagrams waiting for this session's event loop before more are dropped rather than queued. */
    static final int DATAGRAMS_IN_FLIGHT = 64;
    /** WebTransport application error code for a session closed because it fell behind (like WebSocket's 1008). */
    static final long TOO_SLOW = 1;

    private final ChannelHub hub;
    private final String channel;
    private final int maxMessageSize;
    private final SubscriberQueue queue;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicInteger datagramsInFlight = new AtomicInteger();
    private final DatagramCounter dropped;
    private SessionHandle handle;

    ChannelSession(ChannelHub hub, String channel, int maxMessageSize, int queueSize, DatagramCounter dropped) {
        this.hub = hub;
        this.channel = channel;
        this.maxMessageSize = maxMessageSize;
        this.queue = new SubscriberQueue(queueSize);
        this.dropped = dropped;
    }

    /** Counts the datagrams a congested member missed. */
    interface DatagramCounter {
        void dropped();
    }

    @Override
    public void opened(SessionHandle handle) {
        this.handle = handle;
        ChannelHub.Refusal refusal = hub.subscribe(channel, this, -1);
        if (refusal != null) {
            handle.close(2, "cannot join channel " + channel + ": " + refusal);
        }
    }

    @Override
    public void stream(ChannelPipeline pipeline, boolean bidirectional) {
        pipeline.addLast(new WholeStream(handle, maxMessageSize, message -> {
            if (message.isReadable()) {
                hub.publish(channel, this, isUtf8(message), message);
            } else {
                message.release();
            }
        }));
    }

    @Override
    public void datagram(ByteBuf payload) {
        hub.publishDatagram(channel, this, payload);
    }

    @Override
    public void closed(long code, String reason) {
        hub.unsubscribe(channel, this);
        for (ChannelMessage message = queue.poll(); message != null; message = queue.poll()) {
            message.payload().release();
        }
    }

    // ---- Subscriber: called by the hub from the publisher's thread, under the channel's lock ----

    @Override
    public boolean offer(ChannelMessage message) {
        if (message.datagram()) {
            if (datagramsInFlight.incrementAndGet() > DATAGRAMS_IN_FLIGHT) {
                datagramsInFlight.decrementAndGet();
                dropped.dropped();
                return true; // dropped, never queued: a datagram may be lost, the member stays
            }
            ByteBuf copy = message.payload().retainedDuplicate();
            execute(() -> {
                datagramsInFlight.decrementAndGet();
                if (!handle.sendDatagram(copy)) {
                    dropped.dropped();
                }
            }, copy);
            return true;
        }
        if (!queue.offer(message)) {
            return false;
        }
        if (drainScheduled.compareAndSet(false, true)) {
            execute(this::drain, null);
        }
        return true;
    }

    private void execute(Runnable task, ByteBuf onRejection) {
        try {
            handle.executor().execute(task);
        } catch (RejectedExecutionException e) {
            if (onRejection != null) {
                onRejection.release(); // the loop is going away
            }
        }
    }

    /** One unidirectional stream per queued message, on the session's event loop. */
    private void drain() {
        drainScheduled.set(false);
        for (ChannelMessage message = queue.poll(); message != null; message = queue.poll()) {
            ByteBuf payload = message.payload().duplicate(); // the queue's reference goes to the stream
            handle.openStream(false, pipeline -> pipeline.channel().writeAndFlush(payload)
                    .addListener(f -> handle.endStream(pipeline.channel())), payload::release);
        }
    }

    @Override
    public void overflowed() {
        execute(() -> handle.close(TOO_SLOW, "too slow: " + queue.bound() + " messages waiting"), null);
    }

    @Override
    public void shutdown() {
        execute(() -> handle.close(0, "server shutting down"), null);
    }

    private static boolean isUtf8(ByteBuf bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.nioBuffer());
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
