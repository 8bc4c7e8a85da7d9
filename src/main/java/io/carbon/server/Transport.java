package io.carbon.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import jdk.net.ExtendedSocketOptions;

import java.util.function.Supplier;

/**
 * The I/O transport: epoll where the native library loads, then io_uring, then Java NIO. All support
 * sendfile through {@code FileRegion}.
 */
enum Transport {
    EPOLL("epoll", EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollDatagramChannel.class),
    IO_URING("io_uring", IoUringIoHandler::newFactory, IoUringServerSocketChannel.class, IoUringDatagramChannel.class),
    NIO("nio", NioIoHandler::newFactory, NioServerSocketChannel.class, NioDatagramChannel.class);

    private final String label;
    private final Supplier<IoHandlerFactory> handlerFactory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends DatagramChannel> datagramChannel;

    Transport(String label, Supplier<IoHandlerFactory> handlerFactory, Class<? extends ServerChannel> serverChannel,
              Class<? extends DatagramChannel> datagramChannel) {
        this.label = label;
        this.handlerFactory = handlerFactory;
        this.serverChannel = serverChannel;
        this.datagramChannel = datagramChannel;
    }

    /** The best transport this machine supports. */
    static Transport best() {
        if (Epoll.isAvailable()) {
            return EPOLL;
        }
        if (isIoUringAvailable()) {
            return IO_URING;
        }
        return NIO;
    }

    private static boolean isIoUringAvailable() {
        try {
            return IoUring.isAvailable();
        } catch (LinkageError e) {
            return false;
        }
    }

    EventLoopGroup newGroup(int threads, String threadPrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadPrefix, true),
                handlerFactory.get());
    }

    /** True when each worker loop gets its own listening socket on the shared port (SO_REUSEPORT). */
    boolean reusePort() {
        return this == EPOLL;
    }

    Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    /** The UDP socket (QUIC, for HTTP/3). */
    Class<? extends DatagramChannel> datagramChannel() {
        return datagramChannel;
    }

    String label() {
        return label;
    }

    /**
     * Sends at once the ACK the kernel is holding back for what was just read (TCP_QUICKACK, Linux: it leaves
     * delayed-ACK mode and pushes an ACK that is due), on a connection of any transport. False where the socket
     * cannot (then nothing changed), or when the connection is already gone.
     */
    static boolean quickAck(Channel channel) {
        if (!channel.isActive()) {
            return false;
        }
        try {
            ChannelOption<Boolean> option = channel instanceof EpollSocketChannel ? EpollChannelOption.TCP_QUICKACK
                    : channel instanceof IoUringSocketChannel ? IoUringChannelOption.TCP_QUICKACK
                    // Resolved only here: a runtime without the jdk.net module still serves, without this.
                    : channel instanceof NioSocketChannel ? NioChannelOption.of(ExtendedSocketOptions.TCP_QUICKACK)
                    : null;
            return option != null && channel.config().setOption(option, true);
        } catch (RuntimeException | LinkageError e) {
            // The socket closed under us, or this platform has no such option: nothing to do either way.
            return false;
        }
    }
}
