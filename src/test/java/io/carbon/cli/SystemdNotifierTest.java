package io.carbon.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * sd_notify against a fake systemd: a Unix datagram socket bound by the test (a file, and an abstract name),
 * named in the environment map the notifier is built from.
 */
class SystemdNotifierTest {

    @TempDir
    Path dir;

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private EventLoopGroup group;
    private Channel receiver;
    private SystemdNotifier notifier;
    private final long pid = ProcessHandle.current().pid();

    @BeforeAll
    static void needsEpoll() {
        assumeThat(Epoll.isAvailable()).as("epoll transport").isTrue();
    }

    @AfterEach
    void tearDown() {
        if (notifier != null) {
            notifier.close();
        }
        if (receiver != null) {
            receiver.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Binds the fake NOTIFY_SOCKET; {@code path} is a file path or "\0name". */
    private void listen(String path) {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fake-systemd", true),
                EpollIoHandler.newFactory());
        receiver = new Bootstrap()
                .group(group)
                .channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        received.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(path))
                .syncUninterruptibly()
                .channel();
    }

    private String listenOnFile() {
        String path = dir.resolve("notify.sock").toString();
        listen(path);
        return path;
    }

    private SystemdNotifier notifier(Map<String, String> env) {
        notifier = SystemdNotifier.fromEnvironment(env, warnings::add);
        return notifier;
    }

    private String next() throws InterruptedException {
        String message = received.poll(5, TimeUnit.SECONDS);
        assertThat(message).as("a datagram within 5 s").isNotNull();
        return message;
    }

    @Test
    void sendsEachStateAsOneDatagramToAPathSocket() throws InterruptedException {
        SystemdNotifier n = notifier(Map.of("NOTIFY_SOCKET", listenOnFile()));
        assertThat(n.enabled()).isTrue();

        n.ready("serving http://0.0.0.0:80 (HTTP/1.1)");
        assertThat(next()).isEqualTo("READY=1\nSTATUS=serving http://0.0.0.0:80 (HTTP/1.1)\nMAINPID=" + pid);

        long before = System.nanoTime() / 1000;
        n.reloading();
        long after = System.nanoTime() / 1000;
        Matcher reloading = Pattern.compile("RELOADING=1\nMONOTONIC_USEC=(\\d+)").matcher(next());
        assertThat(reloading.matches()).isTrue();
        assertThat(Long.parseLong(reloading.group(1))).isBetween(before, after);

        n.ready("reloaded");
        assertThat(next()).isEqualTo("READY=1\nSTATUS=reloaded\nMAINPID=" + pid);

        n.status("draining 3 connections");
        assertThat(next()).isEqualTo("STATUS=draining 3 connections");

        n.stopping();
        assertThat(next()).isEqualTo("STOPPING=1");

        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).as("nothing else").isNull();
        assertThat(warnings).isEmpty();
    }

    @Test
    void statusCannotInjectAnotherAssignment() throws InterruptedException {
        SystemdNotifier n = notifier(Map.of("NOTIFY_SOCKET", listenOnFile()));
        n.status("evil\nREADY=1");
        assertThat(next()).isEqualTo("STATUS=evil READY=1");
        n.ready(null);
        assertThat(next()).isEqualTo("READY=1\nMAINPID=" + pid);
    }

    @Test
    void reachesAnAbstractSocket() throws InterruptedException {
        String name = "carbon-test-" + UUID.randomUUID();
        listen("\0" + name);
        SystemdNotifier n = notifier(Map.of("NOTIFY_SOCKET", "@" + name));
        n.stopping();
        assertThat(next()).isEqualTo("STOPPING=1");
        assertThat(warnings).isEmpty();
    }

    @Test
    void watchdogPingsEveryHalfTimeout() throws InterruptedException {
        Map<String, String> env = new HashMap<>();
        env.put("NOTIFY_SOCKET", listenOnFile());
        env.put("WATCHDOG_USEC", "100000"); // 100 ms: a ping every 50 ms
        env.put("WATCHDOG_PID", Long.toString(pid));
        notifier(env);
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(next()).isEqualTo("WATCHDOG=1");
        }
        // three pings at 50 ms intervals: not before 150 ms (a little slack for the timer's granularity)
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(140);
        notifier.close();
        received.clear();
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).as("no ping after close").isNull();
        assertThat(warnings).isEmpty();
    }

    @Test
    void watchdogForAnotherProcessIsLeftAlone() throws InterruptedException {
        notifier(Map.of("NOTIFY_SOCKET", listenOnFile(), "WATCHDOG_USEC", "20000",
                "WATCHDOG_PID", Long.toString(pid + 1)));
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(warnings).isEmpty();
    }

    @Test
    void badWatchdogValueWarnsAndStillNotifies() throws InterruptedException {
        SystemdNotifier n = notifier(Map.of("NOTIFY_SOCKET", listenOnFile(), "WATCHDOG_USEC", "soon"));
        assertThat(warnings).singleElement().asString().contains("WATCHDOG_USEC=soon");
        n.stopping();
        assertThat(next()).isEqualTo("STOPPING=1");
    }

    @Test
    void withoutNotifySocketNothingIsSentAndNothingWarns() throws InterruptedException {
        listenOnFile(); // a socket nobody names: nothing may arrive on it
        SystemdNotifier n = notifier(Map.of("WATCHDOG_USEC", "20000"));
        assertThat(n.enabled()).isFalse();
        n.ready("up");
        n.reloading();
        n.status("x");
        n.stopping();
        n.close();
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(warnings).isEmpty();
    }

    @Test
    void missingSocketWarnsOnceAndNeverThrows() throws InterruptedException {
        String missing = dir.resolve("nobody-listens.sock").toString();
        SystemdNotifier n = notifier(Map.of("NOTIFY_SOCKET", missing));
        assertThat(n.enabled()).isTrue();
        n.ready("up");
        n.status("still up");
        n.reloading();
        n.stopping();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (warnings.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100); // the other three failures, if they were going to warn
        assertThat(warnings).singleElement().asString()
                .contains("NOTIFY_SOCKET=" + missing)
                .contains("No such file or directory");
        n.close();
    }

    @Test
    void unusableAddressesAndMissingEpollTurnItOffWithOneWarning() {
        SystemdNotifier vsock = notifier(Map.of("NOTIFY_SOCKET", "vsock:2:1234"));
        assertThat(vsock.enabled()).isFalse();
        assertThat(warnings).singleElement().asString().contains("vsock:2:1234");

        warnings.clear();
        SystemdNotifier tooLong = SystemdNotifier.fromEnvironment(
                Map.of("NOTIFY_SOCKET", "/" + "x".repeat(120)), warnings::add);
        assertThat(tooLong.enabled()).isFalse();
        assertThat(warnings).hasSize(1);

        warnings.clear();
        SystemdNotifier noEpoll = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/systemd/notify"),
                warnings::add, () -> new UnsatisfiedLinkError("no netty_transport_native_epoll"));
        assertThat(noEpoll.enabled()).isFalse();
        noEpoll.ready("up");
        noEpoll.close();
        assertThat(warnings).singleElement().asString().contains("epoll is unavailable");
    }
}
