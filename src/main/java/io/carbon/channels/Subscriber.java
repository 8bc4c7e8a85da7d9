package io.carbon.channels;

/**
 * Someone who receives a channel's messages: a WebSocket ({@code ChannelMember}) or an SSE response
 * ({@code SseStream}). Every subscriber has a bounded queue; the hub never waits for one.
 */
public interface Subscriber {

    /**
     * Queues a message, retaining its payload. Called with the channel's lock held, from whichever thread
     * published: must not block and must not call back into the hub.
     *
     * @return false when the queue is full: the hub then drops this subscriber and calls {@link #overflowed()}
     */
    boolean offer(ChannelMessage message);

    /** Dropped because it fell {@code websocket_queue_size} messages behind. Called once, without locks. */
    void overflowed();

    /** The server is shutting down. Called without locks, from any thread. */
    void shutdown();
}
