package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.EventExecutor;

import java.util.function.Consumer;

/** The branch's side of an accepted {@link Session}: send datagrams, open streams, close. Event loop only. */
public interface SessionHandle {

    /**
     * Sends a datagram (the handle owns {@code payload}); false when it was dropped because the connection cannot
     * take more now (datagrams are unreliable: congestion drops them, it never queues them).
     */
    boolean sendDatagram(ByteBuf payload);

    /**
     * Opens a stream of this session: {@code ready} gets its pipeline, which carries raw bytes; or, when the
     * session is closed or the stream cannot be opened, {@code failed} runs instead (to release what was to be sent).
     */
    void openStream(boolean bidirectional, Consumer<ChannelPipeline> ready, Runnable failed);

    /**
     * Ends our side of a stream of this session after what was written to it, and lets the stream go once both
     * sides are done (a finished stream would otherwise keep counting against the session's stream limit). How
     * and when the end goes out is the transport's business: features call this rather than shutting the
     * stream's output themselves.
     */
    void endStream(Channel stream);

    /** Closes the session with an application error code (0 = normal) and a reason. */
    void close(long code, String reason);

    /** The session's event loop. */
    EventExecutor executor();

    /** The client, for limits and logs. */
    ClientConnection client();
}
