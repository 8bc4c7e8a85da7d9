package io.carbon.channels;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One channel: its subscribers and its short replay buffer. All methods are called with the instance's lock
 * held (by {@link ChannelHub}), so a publish, a subscription with its replay, and a removal are each atomic:
 * every subscriber sees one channel's messages in one order, replayed ones before live ones.
 */
final class HubChannel {

    private final List<Subscriber> subscribers = new ArrayList<>();
    private final ArrayDeque<ChannelMessage> replay = new ArrayDeque<>();
    private final int replayLimit;
    private final int replayMaxBytes;
    /** Set when the channel left the hub (last subscriber gone): late publishers then deliver nothing. */
    private boolean removed;

    HubChannel(int replayLimit, int replayMaxBytes) {
        this.replayLimit = replayLimit;
        this.replayMaxBytes = replayMaxBytes;
    }

    int size() {
        return subscribers.size();
    }

    boolean removed() {
        return removed;
    }

    void add(Subscriber subscriber, long lastEventId) {
        subscribers.add(subscriber);
        if (lastEventId >= 0) {
            for (ChannelMessage message : replay) {
                if (message.id() > lastEventId) {
                    subscriber.offer(message); // the replay fits the queue: sse_replay <= websocket_queue_size
                }
            }
        }
    }

    boolean remove(Subscriber subscriber) {
        return subscribers.remove(subscriber);
    }

    /**
     * Offers {@code message} to everyone but {@code sender}; subscribers whose queue is full are removed and
     * added to {@code overflowed}. Text messages small enough are kept for replay.
     *
     * @return the subscribers that took the message
     */
    int publish(ChannelMessage message, Subscriber sender, List<Subscriber> overflowed) {
        int delivered = 0;
        for (int i = 0; i < subscribers.size(); i++) {
            Subscriber subscriber = subscribers.get(i);
            if (subscriber == sender) {
                continue;
            }
            if (subscriber.offer(message)) {
                delivered++;
            } else {
                overflowed.add(subscriber);
            }
        }
        if (!overflowed.isEmpty()) {
            subscribers.removeAll(overflowed);
        }
        if (message.text() && replayLimit > 0 && message.payload().readableBytes() <= replayMaxBytes) {
            if (replay.size() == replayLimit) {
                replay.poll().payload().release();
            }
            message.payload().retain();
            replay.add(message);
        }
        return delivered;
    }

    /** Marks the channel gone and frees its replay buffer. */
    void removeFromHub() {
        removed = true;
        ChannelMessage message;
        while ((message = replay.poll()) != null) {
            message.payload().release();
        }
    }

    List<Subscriber> subscribers() {
        return List.copyOf(subscribers);
    }
}
