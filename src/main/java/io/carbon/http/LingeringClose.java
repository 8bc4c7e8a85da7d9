package io.carbon.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * Closes a connection gently when the client may still be sending (RFC 9112 §9.6, RFC 9113 §6.8): closing a
 * socket with unread bytes in it makes the kernel answer with RST, and a client that has not read the last
 * response yet (a 413, the end of a body after GOAWAY) loses it. So a close that passes this handler, which
 * sits first in the pipeline, becomes: finish writing what is queued (TLS close_notify included, sent by the
 * handlers after this one), shut down the writing side, then read and discard whatever arrives until the
 * client closes or {@link #LINGER_MILLIS} pass (nginx's lingering_close). Per connection.
 */
public final class LingeringClose extends ChannelDuplexHandler {

    /** The longest a client is given to stop sending after the server's last byte. */
    public static final long LINGER_MILLIS = 2_000;

    private boolean lingering;

    /** Makes every later close of {@code channel} a lingering one (adds the handler first, once). */
    public static void install(Channel channel) {
        if (channel.pipeline().get(LingeringClose.class) == null) {
            channel.pipeline().addFirst("lingering-close", new LingeringClose());
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (!lingering && (!(channel instanceof DuplexChannel duplex) || !channel.isActive()
                || duplex.isInputShutdown())) {
            ctx.close(promise);
            return;
        }
        // The client's FIN ends the connection (Netty closes on end of input), or the time limit does.
        channel.closeFuture().addListener(closed -> promise.trySuccess());
        if (lingering) {
            return; // a second close joins the first
        }
        lingering = true;
        channel.config().setAutoRead(true);
        ctx.executor().schedule(() -> {
            if (channel.isOpen()) {
                ctx.close();
            }
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        // Netty's shutdownOutput drops writes still queued: wait until the last one has gone out (writes
        // complete in order), then send FIN.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (written.isSuccess() && channel.isActive()) {
                ((DuplexChannel) channel).shutdownOutput();
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg); // nothing after the close is answered or even decoded
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
