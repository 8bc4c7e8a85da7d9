package io.carbon.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;

/**
 * What a route answers an extended CONNECT for a multiplexed session with (WebTransport over HTTP/3): unlike a
 * {@link Tunnel}'s single byte stream, a session has any number of streams in both directions and unreliable
 * datagrams. The branch owns the framing (stream signals, session ids, datagram prefixes, capsules); the feature
 * sees plain byte pipelines and payloads. Every call comes on the session's event loop.
 */
public interface Session {

    /** The session is accepted (its 2xx was sent): {@code handle} is how the feature talks back. */
    void opened(SessionHandle handle);

    /**
     * A stream the client opened in this session. Its pipeline carries the stream's bytes as {@link ByteBuf}s
     * both ways (a unidirectional one only inbound); the end of the client's side arrives as
     * {@code ChannelInputShutdownEvent}; {@link SessionHandle#endStream} ends ours.
     */
    void stream(ChannelPipeline pipeline, boolean bidirectional);

    /** A datagram for this session (the feature owns {@code payload}). */
    void datagram(ByteBuf payload);

    /** The session ended: closed by either side, or its connection went away. */
    void closed(long code, String reason);
}
