package io.carbon.websocket;

import io.carbon.channels.ChannelHub;
import io.carbon.channels.ChannelMessage;
import io.carbon.channels.Subscriber;
import io.carbon.channels.SubscriberQueue;
import io.netty.buffer.ByteBuf;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket on a channel: what it sends is published to the channel's other subscribers, and what they
 * publish is queued for it and written on its own event loop while its connection can take more. A member
 * that falls {@code websocket_queue_size} messages behind is closed with 1008 (policy violation): the hub never
 * holds an unbounded backlog for a client that does not read. Per-session.
 */
final class ChannelMember implements MessageHandler, Subscriber {

    private final ChannelHub hub;
    private final String channel;
    private final SubscriberQueue queue;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile WebSocketSession session;

    ChannelMember(ChannelHub hub, String channel, int queueSize) {
        this.hub = hub;
        this.channel = channel;
        this.queue = new SubscriberQueue(queueSize);
    }

    @Override
    public void onOpen(WebSocketSession session) {
        this.session = session;
        ChannelHub.Refusal refusal = hub.subscribe(channel, this, -1);
        if (refusal != null) {
            // The handshake checked the limits; another client took the last place in between. The Close waits
            // for the next task: onOpen runs while the branch is still sending the 101.
            session.executor().execute(() -> session.goAway(CloseCodes.TRY_AGAIN_LATER,
                    refusal == ChannelHub.Refusal.SHUT_DOWN ? "server shutting down" : "channel limit reached"));
        }
    }

    @Override
    public void onMessage(WebSocketSession session, boolean text, ByteBuf payload) {
        hub.publish(channel, this, text, payload);
    }

    @Override
    public void onWritable(WebSocketSession session) {
        drain();
    }

    @Override
    public void onClose(WebSocketSession session) {
        hub.unsubscribe(channel, this); // after this no publisher offers to us any more
        queue.clear();
    }

    @Override
    public boolean offer(ChannelMessage message) {
        if (!queue.offer(message)) {
            return false;
        }
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                session.executor().execute(this::drain);
            } catch (RejectedExecutionException e) {
                drainScheduled.set(false); // the loop is going away; onClose releases the queue
            }
        }
        return true;
    }

    /** Writes queued messages while the connection takes them. Event loop only. */
    private void drain() {
        drainScheduled.set(false);
        WebSocketSession s = session;
        boolean wrote = false;
        while (s.writable()) {
            ChannelMessage message = queue.poll();
            if (message == null) {
                break;
            }
            // The queue's reference goes to the frame; the duplicate keeps the shared buffer's indices intact.
            s.send(message.text(), message.payload().duplicate());
            wrote = true;
        }
        if (wrote) {
            s.flush();
        }
    }

    @Override
    public void overflowed() {
        session.goAway(CloseCodes.POLICY_VIOLATION, "too slow: " + queue.bound() + " messages waiting");
    }

    @Override
    public void shutdown() {
        session.goAway(CloseCodes.GOING_AWAY, "server shutting down");
    }
}
