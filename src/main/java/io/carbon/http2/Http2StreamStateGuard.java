package io.carbon.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.logging.LogLevel;
import io.netty.util.internal.PlatformDependent;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The stream-state rules of RFC 9113 §5.1 and §5.1.1 that Netty 4.2's decoder answers with the wrong error,
 * checked before its own state machine sees a HEADERS or DATA frame:
 * <ul>
 *   <li>HEADERS on a half-closed (remote) stream is a stream error STREAM_CLOSED (Netty: PROTOCOL_ERROR when
 *       the frame lacks END_STREAM, after the request was already answered);</li>
 *   <li>HEADERS or DATA on a stream that closed by END_STREAM both ways is a connection error STREAM_CLOSED
 *       (Netty: a stream error, since it forgets how a stream closed);</li>
 *   <li>HEADERS or DATA on a lower stream id that the client never opened is a connection error PROTOCOL_ERROR
 *       (Netty: a stream error STREAM_CLOSED, "the lesser of the two errors", and the connection goes on).</li>
 * </ul>
 * Frames on streams closed by RST_STREAM (sent or received) are left to Netty, which ignores or answers them
 * with STREAM_CLOSED as §5.1 asks.
 *
 * <p>Why a frame logger: Netty's codec builder offers no other hook that sees inbound frames before the
 * decoder's state checks (a custom decoder would mean rebuilding the codec and its abuse limits by hand), and
 * the inbound frame logger is called first for every frame. Logging itself stays off (TRACE). A violation is
 * thrown from here as the decoder's own checks throw, so Netty answers it with RST_STREAM or GOAWAY and the
 * code. One per connection; event loop only.
 */
final class Http2StreamStateGuard extends Http2FrameLogger {

    /** Streams closed by a reset, and ranges of ids skipped, remembered per connection (both are rare). */
    static final int REMEMBERED = 1024;

    /**
     * Client streams closed by RST_STREAM, sent or received, in closing order. Every other client stream that
     * is gone closed by END_STREAM both ways: that common case costs nothing to remember.
     */
    private final Set<Integer> reset = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
            if (size() <= REMEMBERED) {
                return false;
            }
            forgottenUpTo = Math.max(forgottenUpTo, eldest.getKey());
            return true;
        }
    });
    /** Ids a client skipped (RFC 9113 §5.1.1: they are closed without ever being opened), as [first, last]. */
    private final ArrayDeque<int[]> skipped = new ArrayDeque<>();
    /** Stream ids at or below this may have been reset and forgotten: no verdict on them. */
    private int forgottenUpTo;
    private int lastOpened = -1;
    private Http2Connection connection;
    /** WINDOW_UPDATE frames received so far: the client's sign that it still reads (see send_timeout). */
    private long windowUpdates;

    Http2StreamStateGuard() {
        super(LogLevel.TRACE, Http2StreamStateGuard.class);
    }

    /** Starts following the client's streams on {@code connection} (the codec's). */
    void watch(Http2Connection connection) {
        this.connection = connection;
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamAdded(Http2Stream stream) {
                int id = stream.id();
                if (!connection.remote().isValidStreamId(id)) {
                    return;
                }
                if (lastOpened > 0 && id > lastOpened + 2) {
                    skipped.addLast(new int[] {lastOpened + 2, id - 2});
                    if (skipped.size() > REMEMBERED) {
                        skipped.removeFirst(); // a forgotten skip is judged as a normal close: still an error
                    }
                } else if (lastOpened < 0 && id > 1) {
                    skipped.addLast(new int[] {1, id - 2}); // a client's first stream need not be 1
                }
                lastOpened = Math.max(lastOpened, id);
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (stream.isResetSent() && connection.remote().isValidStreamId(stream.id())) {
                    reset.add(stream.id());
                }
            }
        });
    }

    @Override
    public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                           int padding, boolean endStream) {
        if (direction == Direction.INBOUND) {
            check(streamId, "HEADERS", true);
        }
        super.logHeaders(direction, ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                           int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
        if (direction == Direction.INBOUND) {
            check(streamId, "HEADERS", true);
        }
        super.logHeaders(direction, ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
    }

    @Override
    public void logData(Direction direction, ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
                        boolean endStream) {
        if (direction == Direction.INBOUND) {
            check(streamId, "DATA", false);
        }
        super.logData(direction, ctx, streamId, data, padding, endStream);
    }

    @Override
    public void logWindowsUpdate(Direction direction, ChannelHandlerContext ctx, int streamId, int increment) {
        if (direction == Direction.INBOUND) {
            windowUpdates++;
        }
        super.logWindowsUpdate(direction, ctx, streamId, increment);
    }

    /** WINDOW_UPDATE frames received on this connection so far. Event loop only. */
    long windowUpdates() {
        return windowUpdates;
    }

    @Override
    public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
        if (direction == Direction.INBOUND && connection != null && connection.stream(streamId) != null) {
            reset.add(streamId); // the stream closes by this reset right after
        }
        super.logRstStream(direction, ctx, streamId, errorCode);
    }

    private void check(int streamId, String frame, boolean headers) {
        if (connection == null || !connection.remote().isValidStreamId(streamId)) {
            return; // stream 0 and server-initiated ids: Netty's checks are right
        }
        Http2Stream stream = connection.stream(streamId);
        if (stream != null) {
            if (headers && stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE && !stream.isResetSent()) {
                // §5.1 half-closed (remote): any frame but WINDOW_UPDATE, PRIORITY, RST_STREAM.
                fail(Http2Exception.streamError(streamId, Http2Error.STREAM_CLOSED,
                        "HEADERS on half-closed (remote) stream %d", streamId));
            }
            return;
        }
        if (!connection.streamMayHaveExisted(streamId)
                || connection.goAwaySent() && streamId > connection.remote().lastStreamKnownByPeer()) {
            return; // a new stream, or one Netty ignores after GOAWAY
        }
        if (wasSkipped(streamId)) {
            fail(Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR,
                    "%s on stream %d, lower than a stream already opened (RFC 9113 §5.1.1)", frame, streamId));
        }
        if (!reset.contains(streamId) && streamId > forgottenUpTo) {
            fail(Http2Exception.connectionError(Http2Error.STREAM_CLOSED,
                    "%s on stream %d, closed by END_STREAM both ways (RFC 9113 §5.1)", frame, streamId));
        }
    }

    private boolean wasSkipped(int streamId) {
        for (int[] range : skipped) {
            if (streamId >= range[0] && streamId <= range[1]) {
                return true;
            }
        }
        return false;
    }

    /** Thrown as the decoder's own checks throw (a logger method cannot declare it). */
    private static void fail(Http2Exception error) {
        PlatformDependent.throwException(error);
    }
}
