package io.carbon.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Tells systemd how the service is doing (sd_notify(3)) when it runs as a {@code Type=notify} unit:
 * {@code READY=1} once the listeners are bound, {@code RELOADING=1} and {@code READY=1} around a reload,
 * {@code STOPPING=1} when a graceful stop begins, free-form {@code STATUS=} lines for {@code systemctl status},
 * and {@code WATCHDOG=1} pings when the unit sets {@code WatchdogSec=}.
 *
 * <p>systemd names its notification socket in {@code NOTIFY_SOCKET}: a Unix datagram socket, given as a path,
 * or as {@code @name} for the abstract namespace. The JDK cannot send to a Unix <em>datagram</em> socket (its
 * {@code DatagramChannel} is IP only), so this uses Netty's epoll transport, which Carbon already ships, on an
 * event loop of its own with one daemon thread. Without {@code NOTIFY_SOCKET} (not started by systemd, or
 * {@code Type=simple}) or without epoll every method does nothing.
 *
 * <p>No method blocks the caller for long or throws: a datagram is queued on the notifier's own event loop and
 * sent from there, and the first failure (no such socket, permission denied, ...) is reported to {@code warn}
 * once; later ones are not logged, so a missing socket cannot flood the log. systemd's own {@code sd_notify}
 * can unset {@code NOTIFY_SOCKET} so children do not inherit it; Java cannot change its environment, and
 * Carbon starts no children, so it stays.
 */
public final class SystemdNotifier implements AutoCloseable {

    /** Longest {@code sun_path} in {@code struct sockaddr_un} on Linux. */
    private static final int MAX_SOCKET_PATH_BYTES = 108;

    private final Consumer<String> warn;
    private final AtomicBoolean warned = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String socketName;
    private final DomainSocketAddress target;
    private final EventLoopGroup group;
    private final Channel channel;
    private final long pid = ProcessHandle.current().pid();
    private volatile ChannelFuture lastSend;
    private volatile ScheduledFuture<?> watchdog;

    /** A notifier that does nothing. */
    private SystemdNotifier(Consumer<String> warn) {
        this.warn = warn;
        this.socketName = null;
        this.target = null;
        this.group = null;
        this.channel = null;
    }

    private SystemdNotifier(Consumer<String> warn, String socketName, DomainSocketAddress target,
                            EventLoopGroup group, Channel channel) {
        this.warn = warn;
        this.socketName = socketName;
        this.target = target;
        this.group = group;
        this.channel = channel;
    }

    /**
     * A notifier for the socket in {@code NOTIFY_SOCKET}, or one that does nothing when it is unset or unusable
     * (then {@code warn} is told why, once; an unset variable is the normal case outside systemd and warns
     * nothing). Starts the watchdog pings when {@code WATCHDOG_USEC} is set for this process.
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> env, Consumer<String> warn) {
        return fromEnvironment(env, warn, SystemdNotifier::epollUnavailability);
    }

    /** As {@link #fromEnvironment(Map, Consumer)}, with the epoll check replaceable for tests. */
    static SystemdNotifier fromEnvironment(Map<String, String> env, Consumer<String> warn,
                                           Supplier<Throwable> epollUnavailability) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return new SystemdNotifier(warn);
        }
        DomainSocketAddress target = address(socket);
        if (target == null) {
            // systemd 254+ may hand a VM "vsock:CID:PORT"; a relative path is not something systemd sends.
            warn.accept("systemd notification off: NOTIFY_SOCKET=" + socket + " is neither an absolute path "
                    + "nor an abstract socket (@name), or is longer than " + MAX_SOCKET_PATH_BYTES + " bytes");
            return new SystemdNotifier(warn);
        }
        Throwable unavailable = epollUnavailability.get();
        if (unavailable != null) {
            warn.accept("systemd notification off: it needs Netty's epoll transport to reach the Unix datagram "
                    + "socket NOTIFY_SOCKET=" + socket + ", and epoll is unavailable: " + unavailable);
            return new SystemdNotifier(warn);
        }
        EventLoopGroup group = null;
        try {
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("carbon-sd-notify", true),
                    EpollIoHandler.newFactory());
            ChannelFuture registered = new Bootstrap()
                    .group(group)
                    .channel(EpollDomainDatagramChannel.class)
                    // Never bound and never connected: every datagram carries its address, as sd_notify's
                    // sendmsg does, so the channel must count as active (writable) once registered.
                    .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter())
                    .register();
            if (!registered.awaitUninterruptibly(5, TimeUnit.SECONDS) || !registered.isSuccess()) {
                Throwable cause = registered.cause();
                throw new IllegalStateException(cause != null ? cause.toString() : "timed out", cause);
            }
            SystemdNotifier notifier = new SystemdNotifier(warn, socket, target, group, registered.channel());
            notifier.startWatchdog(env);
            return notifier;
        } catch (RuntimeException | LinkageError e) {
            warn.accept("systemd notification off: cannot open a Unix datagram socket for NOTIFY_SOCKET="
                    + socket + ": " + e.getMessage());
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            return new SystemdNotifier(warn);
        }
    }

    /** NOTIFY_SOCKET as Netty's address: a path as it is, {@code @name} as a NUL byte then the name. */
    private static DomainSocketAddress address(String socket) {
        String path;
        if (socket.startsWith("/")) {
            path = socket;
        } else if (socket.startsWith("@") && socket.length() > 1) {
            // Abstract namespace (unix(7)): the name starts with a NUL byte and its length is the address
            // length, not NUL-terminated. Netty's sendto for one buffer passes exactly offsetof(sun_path) +
            // the path's byte count, so "\0name" reaches "@name". (Netty's multi-buffer sendmsg would pass
            // sizeof(sockaddr_un) and pad the name with NULs, naming another socket: send() below always
            // hands it a single buffer.)
            path = "\0" + socket.substring(1);
        } else {
            return null;
        }
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            return null;
        }
        return new DomainSocketAddress(path);
    }

    private static Throwable epollUnavailability() {
        try {
            return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
        } catch (LinkageError e) {
            return e;
        }
    }

    private void startWatchdog(Map<String, String> env) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null || usec.isEmpty()) {
            return;
        }
        String watchdogPid = env.get("WATCHDOG_PID");
        if (watchdogPid != null && !watchdogPid.isEmpty() && !watchdogPid.equals(Long.toString(pid))) {
            return; // meant for another process (sd_watchdog_enabled(3)); we were started by it
        }
        long micros;
        try {
            micros = Long.parseLong(usec);
        } catch (NumberFormatException e) {
            micros = -1;
        }
        if (micros <= 0) {
            warnOnce("systemd watchdog off: WATCHDOG_USEC=" + usec + " is not a positive number of microseconds");
            return;
        }
        // Half the timeout, as sd_watchdog_enabled(3) advises, so one late ping does not kill the service.
        // The pings come from the notifier's own thread: they prove the JVM is alive and scheduling threads,
        // not that every event loop is responsive.
        long interval = Math.max(1, micros / 2);
        watchdog = channel.eventLoop().scheduleAtFixedRate(() -> send("WATCHDOG=1"),
                interval, interval, TimeUnit.MICROSECONDS);
    }

    /** False when this notifier does nothing (no NOTIFY_SOCKET, or it could not be used). */
    public boolean enabled() {
        return channel != null;
    }

    /** The service is up: {@code READY=1}, the status line, and our pid (NotifyAccess=main checks it). */
    public void ready(String status) {
        send("READY=1\n" + statusLine(status) + "MAINPID=" + pid);
    }

    /**
     * A reload has begun: {@code RELOADING=1} with {@code MONOTONIC_USEC}, the time of the request on
     * CLOCK_MONOTONIC (systemd 253+ requires it for {@code Type=notify-reload}, and older versions ignore it).
     * Call {@link #ready(String)} once the reload is done, also when it failed and the old settings stay.
     */
    public void reloading() {
        // HotSpot's System.nanoTime() is clock_gettime(CLOCK_MONOTONIC) on Linux: the same clock, same origin.
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
    }

    /** A graceful stop has begun. */
    public void stopping() {
        send("STOPPING=1");
    }

    /** A free-form status line for {@code systemctl status}. */
    public void status(String status) {
        if (status != null && !status.isBlank()) {
            send(statusLine(status).strip());
        }
    }

    /** One line: a newline would start another assignment, which the status text must not be able to do. */
    private static String statusLine(String status) {
        if (status == null || status.isBlank()) {
            return "";
        }
        return "STATUS=" + status.replace('\n', ' ').replace('\r', ' ') + "\n";
    }

    private void send(String message) {
        if (channel == null || closed.get()) {
            return;
        }
        try {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            // One direct buffer (see address()): never a composite one.
            ByteBuf content = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
            ChannelFuture sent = channel.writeAndFlush(new DomainDatagramPacket(content, target));
            sent.addListener(done -> {
                if (!done.isSuccess() && !closed.get()) {
                    warnOnce("cannot notify systemd through NOTIFY_SOCKET=" + socketName + ": "
                            + describe(done.cause()) + " (further notification errors are not logged)");
                }
            });
            lastSend = sent;
        } catch (RuntimeException e) {
            warnOnce("cannot notify systemd through NOTIFY_SOCKET=" + socketName + ": " + e
                    + " (further notification errors are not logged)");
        }
    }

    /** Netty reports ENOENT from sendto as a FileNotFoundException without a message. */
    private static String describe(Throwable cause) {
        if (cause instanceof FileNotFoundException && cause.getMessage() == null) {
            return "no such socket (No such file or directory)";
        }
        return String.valueOf(cause);
    }

    private void warnOnce(String message) {
        if (warned.compareAndSet(false, true)) {
            try {
                warn.accept(message);
            } catch (RuntimeException ignored) {
                // a failing logger must not turn a notification into an exception for the caller
            }
        }
    }

    /**
     * Stops the watchdog, lets the last datagram (normally {@code STOPPING=1}) go out for up to half a second,
     * then closes the socket and the notifier's thread.
     */
    @Override
    public void close() {
        if (channel == null || !closed.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> ping = watchdog;
        if (ping != null) {
            ping.cancel(false);
        }
        ChannelFuture last = lastSend;
        if (last != null) {
            last.awaitUninterruptibly(500, TimeUnit.MILLISECONDS);
        }
        channel.close().awaitUninterruptibly(500, TimeUnit.MILLISECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
}
