package io.carbon.channels;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The channels of one server: who is subscribed to what, and the fan-out of published messages. A channel
 * exists while it has subscribers and is removed, replay buffer included, when the last one leaves. Bounded by
 * {@code websocket_max_channels} and {@code websocket_max_subscribers}; each subscriber's queue by
 * {@code websocket_queue_size}, and a subscriber that falls that far behind is dropped and counted.
 *
 * <p>Thread-safe. Lock order: a map bin (inside {@code compute}) may take a channel's lock, never the reverse,
 * so the map is only changed after a channel's lock is released.
 */
public final class ChannelHub {

    /** Why a subscription was refused. */
    public enum Refusal {
        TOO_MANY_CHANNELS, TOO_MANY_SUBSCRIBERS, SHUT_DOWN
    }

    private final ConcurrentHashMap<String, HubChannel> channels = new ConcurrentHashMap<>();
    private final AtomicInteger channelCount = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger sseSubscribers = new AtomicInteger();
    // Volatile, not final: a reload may change them (limits()); they apply to what joins afterwards.
    private volatile int maxChannels;
    private volatile int maxSubscribers;
    private volatile int replayLimit;
    private volatile int replayMaxBytes;
    private volatile boolean shutDown;

    /**
     * @param replayLimit    text messages kept per channel for SSE replay (0 = none)
     * @param replayMaxBytes larger messages are delivered but not kept for replay
     */
    /** A channel's name: 1-64 letters, digits, '.', '_' or '-', and not "." or "..". */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** True for a valid channel name, the same on every protocol. */
    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    public ChannelHub(int maxChannels, int maxSubscribers, int replayLimit, int replayMaxBytes) {
        this.maxChannels = maxChannels;
        this.maxSubscribers = maxSubscribers;
        this.replayLimit = replayLimit;
        this.replayMaxBytes = replayMaxBytes;
    }

    /** New bounds from a reload: channels and subscribers already in stay; the next ones are counted against these. */
    public void limits(int maxChannels, int maxSubscribers, int replayLimit, int replayMaxBytes) {
        this.maxChannels = maxChannels;
        this.maxSubscribers = maxSubscribers;
        this.replayLimit = replayLimit;
        this.replayMaxBytes = replayMaxBytes;
    }

    /**
     * Subscribes, replaying kept messages newer than {@code lastEventId} first (-1 = no replay).
     *
     * @return null when subscribed, otherwise why not
     */
    public Refusal subscribe(String name, Subscriber subscriber, long lastEventId) {
        if (shutDown) {
            return Refusal.SHUT_DOWN;
        }
        Refusal[] refusal = new Refusal[1];
        channels.compute(name, (key, channel) -> {
            if (channel == null) {
                if (channelCount.get() >= maxChannels) {
                    refusal[0] = Refusal.TOO_MANY_CHANNELS;
                    return null;
                }
                channelCount.incrementAndGet();
                channel = new HubChannel(replayLimit, replayMaxBytes);
            }
            synchronized (channel) {
                if (channel.size() >= maxSubscribers) {
                    refusal[0] = Refusal.TOO_MANY_SUBSCRIBERS;
                } else {
                    channel.add(subscriber, lastEventId);
                }
            }
            return channel;
        });
        return refusal[0];
    }

    /** True when a subscription to {@code name} would be refused for a limit right now (a handshake's precheck). */
    public Refusal wouldRefuse(String name) {
        if (shutDown) {
            return Refusal.SHUT_DOWN;
        }
        // Under the map's lock for this name, like subscribe: a plain get could run while another thread's
        // subscribe has counted the new channel but not yet published it, and refuse a channel that exists.
        Refusal[] refusal = new Refusal[1];
        channels.compute(name, (key, channel) -> {
            if (channel == null) {
                refusal[0] = channelCount.get() >= maxChannels ? Refusal.TOO_MANY_CHANNELS : null;
                return null;
            }
            synchronized (channel) {
                refusal[0] = channel.size() >= maxSubscribers ? Refusal.TOO_MANY_SUBSCRIBERS : null;
            }
            return channel;
        });
        return refusal[0];
    }

    /** Unsubscribes (harmless when already dropped); an empty channel leaves the hub. */
    public void unsubscribe(String name, Subscriber subscriber) {
        channels.computeIfPresent(name, (key, channel) -> {
            synchronized (channel) {
                channel.remove(subscriber);
                if (channel.size() == 0) {
                    channel.removeFromHub();
                    channelCount.decrementAndGet();
                    return null;
                }
            }
            return channel;
        });
    }

    /**
     * Delivers a message to every subscriber of {@code name} but {@code sender}, in one order for all. Takes
     * over {@code payload}. A channel without subscribers does not exist: the message goes nowhere.
     *
     * @param sender the publishing subscriber (it does not get its own message), or null
     * @return the subscribers it was queued for
     */
    public int publish(String name, Subscriber sender, boolean text, ByteBuf payload) {
        return publish(name, sender, text, payload, false);
    }

    /** Publishes a WebTransport datagram: see {@link ChannelMessage#datagram()}. */
    public int publishDatagram(String name, Subscriber sender, ByteBuf payload) {
        return publish(name, sender, false, payload, true);
    }

    private int publish(String name, Subscriber sender, boolean text, ByteBuf payload, boolean datagram) {
        HubChannel channel = channels.get(name);
        if (channel == null) {
            payload.release();
            return 0;
        }
        List<Subscriber> overflowed = new ArrayList<>(0);
        int delivered;
        synchronized (channel) {
            if (channel.removed()) {
                payload.release();
                return 0;
            }
            // The id is taken under the lock, so ids rise in the order every subscriber sees.
            delivered = channel.publish(new ChannelMessage(ids.incrementAndGet(), text, payload, datagram), sender, overflowed);
        }
        payload.release();
        if (!overflowed.isEmpty()) {
            dropped.addAndGet(overflowed.size());
            for (Subscriber subscriber : overflowed) {
                subscriber.overflowed();
            }
            removeIfEmpty(name);
        }
        return delivered;
    }

    private void removeIfEmpty(String name) {
        channels.computeIfPresent(name, (key, channel) -> {
            synchronized (channel) {
                if (channel.size() == 0) {
                    channel.removeFromHub();
                    channelCount.decrementAndGet();
                    return null;
                }
            }
            return channel;
        });
    }

    /** Subscribers of {@code name} right now (0 when it does not exist). */
    public int subscribers(String name) {
        HubChannel channel = channels.get(name);
        if (channel == null) {
            return 0;
        }
        synchronized (channel) {
            return channel.size();
        }
    }

    /** Channels with at least one subscriber. */
    public int channels() {
        return channelCount.get();
    }

    /** An SSE stream joined a channel ({@code SseStream} reports it, and {@link #sseLeft} once when it ends). */
    public void sseJoined() {
        sseSubscribers.incrementAndGet();
    }

    public void sseLeft() {
        sseSubscribers.decrementAndGet();
    }

    /** SSE streams subscribed now. */
    public int sseSubscribers() {
        return sseSubscribers.get();
    }

    /** Subscribers dropped so far because they fell behind. */
    public long droppedSubscribers() {
        return dropped.get();
    }

    /** Refuses new subscriptions and tells every subscriber the server is going away. */
    public void shutdown() {
        shutDown = true;
        for (HubChannel channel : channels.values()) {
            List<Subscriber> subscribers;
            synchronized (channel) {
                subscribers = channel.subscribers();
            }
            for (Subscriber subscriber : subscribers) {
                subscriber.shutdown();
            }
        }
    }
}
