import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Carbon's WebSocket load client: many connections sending at a set rate, or a few flooding an echo endpoint,
 * with round-trip latency per message (the send time travels in the payload). Netty from Carbon's shaded jar,
 * no build step:
 *
 * <pre>
 *   java -cp target/carbon.jar bench/WsLoad.java --url ws://127.0.0.1:8080/ws --connections 10000 --rate 0.5 \
 *       --duration 30s --size 64
 *   java -cp target/carbon.jar bench/WsLoad.java --url ws://127.0.0.1:8080/ws --mode flood --duration 10s
 * </pre>
 *
 * Run with {@code --help} for every option. Exit status: 0 when every connection opened and nothing failed,
 * 1 when the run finished with errors or fewer connections than asked, 2 on bad usage or too low limits.
 */
public final class WsLoad {

    // ---------------------------------------------------------------------------------------------------------
    // Options

    static final class Options {
        URI url;
        String mode = "rate";
        int connections = -1;
        double rate = 1.0;         // per connection, messages/s
        double totalRate = -1;     // all connections together, messages/s (wins over rate)
        long durationNanos = TimeUnit.SECONDS.toNanos(10);
        long rampTimeoutNanos = TimeUnit.SECONDS.toNanos(120);
        long warmupNanos;
        int size = 64;
        int handshakes = 256;
        int inFlight = 64;
        int threads = Runtime.getRuntime().availableProcessors();
        long intervalNanos = TimeUnit.SECONDS.toNanos(1);
        boolean binary;
        boolean verifyCert;
        boolean quiet;
        List<InetAddress> bind = new ArrayList<>();
    }

    static final String USAGE = """
            usage: java -cp target/carbon.jar bench/WsLoad.java --url ws://HOST:PORT/PATH [options]

            A WebSocket load client for an echo endpoint (Carbon: enable_websocket = true, path /ws).
              --url URL            ws:// or wss:// (wss does not check the certificate unless --verify-cert)
              --mode rate|flood    rate: every connection sends at --rate; flood: each connection keeps
                                   --in-flight messages outstanding and sends the next on every reply [rate]
              --connections N      connections to open [rate: 100, flood: 1]
              --rate R             messages per second per connection, rate mode [1]
              --total-rate R       messages per second over all connections, rate mode (instead of --rate)
              --duration D         measured time after the ramp: 30s, 2m, 500ms [10s]
              --warmup D           load after the ramp that is not measured (JIT warm-up): 2s [0]
              --ramp-timeout D     give up opening connections after this [120s]
              --handshakes N       connection attempts and handshakes in progress at once [256]
              --in-flight N        flood mode: messages outstanding per connection [64]
              --size BYTES         payload size, at least 16 (the send time is in the first bytes) [64]
              --binary             binary messages instead of text
              --threads N          event loops [number of cores]
              --bind IP[,IP...]    local addresses to connect from, round robin (more local ports for
                                   10,000s of connections to one server port: 127.0.0.2, 127.0.0.3, ...)
              --interval D         progress line every D; 0 = none [1s]
              --verify-cert        wss: check the server's certificate against the JDK's trust store
              --quiet              no progress lines
            Prints progress, a summary and one RESULT line of key=value pairs for scripts.
            Exit status: 0 all connections opened and nothing failed, 1 errors or fewer connections, 2 usage.
            """;

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(USAGE);
                System.exit(0);
            }
            if (a.equals("--binary")) { o.binary = true; continue; }
            if (a.equals("--verify-cert")) { o.verifyCert = true; continue; }
            if (a.equals("--quiet")) { o.quiet = true; continue; }
            String name = a;
            String value;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--url" -> o.url = URI.create(value);
                case "--mode" -> o.mode = value;
                case "--connections", "-c" -> o.connections = positiveInt(name, value);
                case "--rate" -> o.rate = positiveDouble(name, value);
                case "--total-rate" -> o.totalRate = positiveDouble(name, value);
                case "--duration", "-d" -> o.durationNanos = duration(name, value);
                case "--ramp-timeout" -> o.rampTimeoutNanos = duration(name, value);
                case "--warmup" -> o.warmupNanos = value.equals("0") ? 0 : duration(name, value);
                case "--size" -> o.size = positiveInt(name, value);
                case "--handshakes" -> o.handshakes = positiveInt(name, value);
                case "--in-flight" -> o.inFlight = positiveInt(name, value);
                case "--threads" -> o.threads = positiveInt(name, value);
                case "--interval" -> o.intervalNanos = value.equals("0") ? 0 : duration(name, value);
                case "--bind" -> {
                    for (String ip : value.split(",")) {
                        try {
                            o.bind.add(InetAddress.getByName(ip.strip()));
                        } catch (Exception e) {
                            throw new IllegalArgumentException("--bind: cannot use '" + ip + "' as a local address");
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + name + " (see --help)");
            }
        }
        if (o.url == null) {
            throw new IllegalArgumentException("--url is required, e.g. --url ws://127.0.0.1:8080/ws");
        }
        String scheme = o.url.getScheme() == null ? "" : o.url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss") || o.url.getHost() == null) {
            throw new IllegalArgumentException("--url must be ws://host[:port]/path or wss://host[:port]/path");
        }
        if (!o.mode.equals("rate") && !o.mode.equals("flood")) {
            throw new IllegalArgumentException("--mode must be rate or flood");
        }
        if (o.connections < 0) {
            o.connections = o.mode.equals("flood") ? 1 : 100;
        }
        if (o.size < 16) {
            throw new IllegalArgumentException("--size must be at least 16 (the send time takes 16 bytes)");
        }
        if (o.durationNanos < TimeUnit.MILLISECONDS.toNanos(100)) {
            throw new IllegalArgumentException("--duration must be at least 100ms");
        }
        return o;
    }

    static int positiveInt(String name, String v) {
        try {
            int n = Integer.parseInt(v.replace("_", ""));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new IllegalArgumentException(name + " must be a whole number above 0, not '" + v + "'");
    }

    static double positiveDouble(String name, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new IllegalArgumentException(name + " must be a number above 0, not '" + v + "'");
    }

    static long duration(String name, String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        double unit = 1e9;
        if (s.endsWith("ms")) { unit = 1e6; s = s.substring(0, s.length() - 2); }
        else if (s.endsWith("s")) { s = s.substring(0, s.length() - 1); }
        else if (s.endsWith("m")) { unit = 60e9; s = s.substring(0, s.length() - 1); }
        else if (s.endsWith("h")) { unit = 3600e9; s = s.substring(0, s.length() - 1); }
        try {
            double d = Double.parseDouble(s);
            if (d > 0 && Double.isFinite(d)) {
                return (long) (d * unit);
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new IllegalArgumentException(name + " must be a duration such as 30s, 2m or 500ms, not '" + v + "'");
    }

    // ---------------------------------------------------------------------------------------------------------
    // A log-linear histogram of nanoseconds (HdrHistogram's idea without the dependency): values below 128 are
    // exact, above that 64 sub-buckets per power of two, so a value is known to within 1/64 (1.6 %).

    static final class Histogram {
        static final int SUB_BITS = 6;
        static final int SUB = 1 << SUB_BITS;
        final long[] counts = new long[SUB * 64];
        long total;
        long max;

        static int index(long v) {
            if (v < 2 * SUB) {
                return (int) Math.max(v, 0);
            }
            int e = 63 - Long.numberOfLeadingZeros(v);
            int shift = e - SUB_BITS;
            return (shift * SUB) + (int) (v >>> shift);
        }

        /** The highest value in bucket {@code i}: percentiles never read low. */
        static long highest(int i) {
            if (i < 2 * SUB) {
                return i;
            }
            int shift = i / SUB - 1;
            long top = (i % SUB) + SUB;
            return ((top + 1) << shift) - 1;
        }

        void record(long v) {
            counts[index(v)]++;
            total++;
            if (v > max) {
                max = v;
            }
        }

        void add(Histogram other) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += other.counts[i];
            }
            total += other.total;
            max = Math.max(max, other.max);
        }

        void clear() {
            java.util.Arrays.fill(counts, 0);
            total = 0;
            max = 0;
        }

        long percentile(double p) {
            if (total == 0) {
                return 0;
            }
            long rank = Math.max(1, (long) Math.ceil(total * p / 100.0));
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    return Math.min(highest(i), max);
                }
            }
            return max;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Counters. Each event loop owns one LoopStats and is the only thread that writes it; the main thread reads
    // it by running a task on that loop. Rare events (connects, handshakes, errors) are global atomics.

    static final class LoopStats {
        final Histogram total = new Histogram();
        final Histogram interval = new Histogram();
        long sent;
        long received;
        long mismatched;
    }

    static final class Snapshot {
        final Histogram total = new Histogram();
        final Histogram interval = new Histogram();
        long sent;
        long received;
        long mismatched;
    }

    final Options o;
    final boolean tls;
    final InetSocketAddress remote;
    final SslContext sslContext;
    final EventLoopGroup group;
    final Class<? extends SocketChannel> channelClass;
    final String transport;
    final Map<EventExecutor, LoopStats> stats = new IdentityHashMap<>();
    final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    final java.util.concurrent.Semaphore handshakePermits;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger peakOpen = new AtomicInteger();
    final AtomicInteger opened = new AtomicInteger();
    final AtomicLong connectFailed = new AtomicLong();
    final AtomicLong handshakeFailed = new AtomicLong();
    final AtomicLong closedByServer = new AtomicLong();
    final Map<String, AtomicLong> errorKinds = new ConcurrentHashMap<>();
    static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    final long periodNanos;
    final byte[] filler;
    /** Messages sent from here on are measured (the ramp is not). */
    volatile long windowStart = Long.MAX_VALUE;
    volatile boolean sending = true;
    volatile boolean stopping;

    WsLoad(Options o) throws Exception {
        this.o = o;
        this.tls = o.url.getScheme().equalsIgnoreCase("wss");
        int port = o.url.getPort() > 0 ? o.url.getPort() : (tls ? 443 : 80);
        this.remote = new InetSocketAddress(InetAddress.getByName(o.url.getHost()), port);
        if (tls) {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (!o.verifyCert) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE);
            }
            this.sslContext = b.build();
        } else {
            this.sslContext = null;
        }
        IoHandlerFactory factory;
        if (Epoll.isAvailable()) {
            factory = EpollIoHandler.newFactory();
            channelClass = EpollSocketChannel.class;
            transport = "epoll";
        } else {
            factory = NioIoHandler.newFactory();
            channelClass = NioSocketChannel.class;
            transport = "nio (epoll unavailable: " + Epoll.unavailabilityCause() + ")";
        }
        this.group = new MultiThreadIoEventLoopGroup(o.threads, factory);
        for (EventExecutor e : group) {
            stats.put(e, new LoopStats());
        }
        this.handshakePermits = new java.util.concurrent.Semaphore(o.handshakes);
        double perConnection = o.totalRate > 0 ? o.totalRate / o.connections : o.rate;
        this.periodNanos = Math.max(1000L, (long) (1e9 / perConnection));
        this.filler = new byte[o.size];
        java.util.Arrays.fill(filler, (byte) 'x');
    }

    void error(String kind) {
        errorKinds.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    // ---------------------------------------------------------------------------------------------------------
    // One connection: handshake (WebSocketClientHandshaker13, masking as RFC 6455 §5.3 requires of clients),
    // then messages stamped with System.nanoTime() in their first bytes.

    final class Connection extends SimpleChannelInboundHandler<Object> {
        final WebSocketClientHandshaker handshaker;
        LoopStats loop;
        ScheduledFuture<?> ticker;
        ScheduledFuture<?> handshakeTimer;
        boolean permitHeld = true;
        boolean established;
        boolean failed;

        Connection() {
            // maxFramePayloadLength bounds what the server may send back; masking on (§5.3), no extensions.
            this.handshaker = new WebSocketClientHandshaker13(o.url, WebSocketVersion.V13, null, false,
                    new DefaultHttpHeaders(), Math.max(65536, o.size * 2), true, false, 2000);
        }

        void releasePermit() {
            if (permitHeld) {
                permitHeld = false;
                handshakePermits.release();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            loop = stats.get(ctx.channel().eventLoop());
            handshakeTimer = ctx.executor().schedule(() -> {
                if (!established) {
                    handshakeFailure("handshake timed out (10 s)");
                    ctx.close();
                }
            }, 10, TimeUnit.SECONDS);
            handshaker.handshake(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releasePermit();
            if (handshakeTimer != null) {
                handshakeTimer.cancel(false);
            }
            if (ticker != null) {
                ticker.cancel(false);
            }
            if (established) {
                open.decrementAndGet();
                if (!stopping) {
                    closedByServer.incrementAndGet();
                    error("connection closed during the run");
                }
            } else {
                handshakeFailure("connection closed during the handshake");
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                if (msg instanceof FullHttpResponse response) {
                    try {
                        handshaker.finishHandshake(ctx.channel(), response);
                    } catch (RuntimeException e) {
                        handshakeFailure("handshake refused: HTTP " + response.status().code());
                        ctx.close();
                        return;
                    }
                    ctx.pipeline().addBefore(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(1 << 24));
                    established();
                    start(ctx);
                }
                return;
            }
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                received(ctx, ((WebSocketFrame) msg).content());
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                if (!stopping) {
                    error("server closed with " + close.statusCode() + " " + close.reasonText());
                }
                ctx.writeAndFlush(close.retainedDuplicate()).addListener(f -> ctx.close());
            }
        }

        void handshakeFailure(String why) {
            if (!failed) {
                failed = true;
                handshakeFailed.incrementAndGet();
                error(why);
            }
        }

        void established() {
            established = true;
            handshakeTimer.cancel(false);
            releasePermit();
            opened.incrementAndGet();
            peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        }

        void start(ChannelHandlerContext ctx) {
            if (o.mode.equals("flood")) {
                for (int i = 0; i < o.inFlight; i++) {
                    send(ctx, false);
                }
                ctx.flush();
            } else {
                // A random phase spreads the connections' sends evenly over the period.
                long first = ThreadLocalRandom.current().nextLong(periodNanos);
                ticker = ctx.executor().scheduleAtFixedRate(() -> {
                    if (sending) {
                        send(ctx, true);
                    }
                }, first, periodNanos, TimeUnit.NANOSECONDS);
            }
        }

        void send(ChannelHandlerContext ctx, boolean flush) {
            ByteBuf payload = ctx.alloc().buffer(o.size);
            long now = System.nanoTime();
            if (o.binary) {
                payload.writeLong(now).writeLong(0);
            } else {
                for (int shift = 60; shift >= 0; shift -= 4) {
                    payload.writeByte(HEX[(int) (now >>> shift) & 15]);
                }
            }
            payload.writeBytes(filler, 0, o.size - 16);
            WebSocketFrame frame = o.binary ? new BinaryWebSocketFrame(payload) : new TextWebSocketFrame(payload);
            if (flush) {
                ctx.writeAndFlush(frame, ctx.voidPromise());
            } else {
                ctx.write(frame, ctx.voidPromise());
            }
            if (now - windowStart >= 0) {
                loop.sent++;
            }
        }

        void received(ChannelHandlerContext ctx, ByteBuf content) {
            long now = System.nanoTime();
            long sentAt;
            if (content.readableBytes() != o.size) {
                loop.mismatched++;
                return;
            }
            if (o.binary) {
                sentAt = content.getLong(content.readerIndex());
            } else {
                sentAt = 0;
                for (int i = content.readerIndex(), end = i + 16; i < end; i++) {
                    int digit = Character.digit(content.getByte(i), 16);
                    if (digit < 0) {
                        loop.mismatched++;
                        return;
                    }
                    sentAt = (sentAt << 4) | digit;
                }
            }
            long rtt = now - sentAt;
            if (rtt < 0 || rtt > TimeUnit.HOURS.toNanos(1)) {
                loop.mismatched++;
                return;
            }
            if (sentAt - windowStart >= 0) {
                loop.received++;
                loop.total.record(rtt);
            }
            loop.interval.record(rtt);
            if (o.mode.equals("flood") && sending) {
                send(ctx, false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable c = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                    ? cause.getCause() : cause;
            String what = c.getClass().getSimpleName() + ": " + c.getMessage();
            if (!established) {
                handshakeFailure("error during the handshake: " + what
                        + (c instanceof javax.net.ssl.SSLException && o.verifyCert ? " (certificate not trusted?)" : ""));
            } else if (!stopping) {
                error("connection error: " + what);
            }
            ctx.close();
        }
    }

    ChannelFuture connect(int n) {
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (sslContext != null) {
                            p.addLast(sslContext.newHandler(ch.alloc(), o.url.getHost(), remote.getPort()));
                        }
                        p.addLast(new HttpClientCodec(), new HttpObjectAggregator(65536), new Connection());
                    }
                });
        ChannelFuture f = o.bind.isEmpty()
                ? b.connect(remote)
                : b.connect(remote, new InetSocketAddress(o.bind.get(n % o.bind.size()), 0));
        channels.add(f.channel());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                connectFailed.incrementAndGet();
                Throwable c = done.cause();
                error("connect failed: " + (c == null ? "?" : c.getClass().getSimpleName() + ": " + c.getMessage()));
                handshakePermits.release();
            }
        });
        return f;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The run: limits, ramp, measured window, drain, report.

    Snapshot snapshot(boolean resetInterval) throws Exception {
        Snapshot s = new Snapshot();
        List<io.netty.util.concurrent.Future<?>> tasks = new ArrayList<>();
        for (Map.Entry<EventExecutor, LoopStats> e : stats.entrySet()) {
            LoopStats l = e.getValue();
            tasks.add(e.getKey().submit(() -> {
                synchronized (s) {
                    s.total.add(l.total);
                    s.interval.add(l.interval);
                    s.sent += l.sent;
                    s.received += l.received;
                    s.mismatched += l.mismatched;
                }
                if (resetInterval) {
                    l.interval.clear();
                }
            }));
        }
        for (io.netty.util.concurrent.Future<?> t : tasks) {
            t.get(10, TimeUnit.SECONDS);
        }
        synchronized (s) {
            return s;
        }
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    static void say(String s) {
        System.out.println(s);
        System.out.flush();
    }

    long errors() {
        long n = 0;
        for (AtomicLong v : errorKinds.values()) {
            n += v.get();
        }
        return n;
    }

    int run() throws Exception {
        String shape = o.mode.equals("flood")
                ? o.connections + " connection(s), " + o.inFlight + " message(s) in flight each"
                : o.connections + " connections, " + String.format(Locale.ROOT, "%.3g", 1e9 / periodNanos)
                        + " msg/s each (" + String.format(Locale.ROOT, "%.0f", o.connections * 1e9 / periodNanos)
                        + " msg/s in all)";
        say("WsLoad: " + o.url + ", mode " + o.mode + ": " + shape + ", " + o.size + "-byte "
                + (o.binary ? "binary" : "text") + " messages, " + o.threads + " event loop(s), " + transport
                + (tls ? ", TLS" + (o.verifyCert ? "" : " (certificate not checked)") : ""));

        // Ramp: at most --handshakes connects and handshakes at once.
        long t0 = System.nanoTime();
        long rampDeadline = t0 + o.rampTimeoutNanos;
        long nextProgress = t0 + o.intervalNanos;
        int started = 0;
        while (started < o.connections && System.nanoTime() < rampDeadline) {
            if (handshakePermits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                connect(started++);
            }
            if (o.intervalNanos > 0 && !o.quiet && System.nanoTime() >= nextProgress) {
                nextProgress += o.intervalNanos;
                say(String.format(Locale.ROOT, "  ramp %5.1fs: %d open, %d attempted, %d failed", (System.nanoTime() - t0) / 1e9,
                        open.get(), started, connectFailed.get() + handshakeFailed.get()));
            }
        }
        // Wait for the handshakes still in progress.
        while (handshakePermits.availablePermits() < o.handshakes && System.nanoTime() < rampDeadline) {
            Thread.sleep(10);
        }
        double rampSeconds = (System.nanoTime() - t0) / 1e9;
        int reached = open.get();
        say(String.format(Locale.ROOT, "ramp: %d of %d connections open after %.1f s (%d connect and %d handshake failures)%s",
                reached, o.connections, rampSeconds, connectFailed.get(), handshakeFailed.get(),
                started < o.connections ? "; --ramp-timeout reached" : ""));
        if (reached == 0) {
            say("no connection opened; nothing to measure");
            printErrors();
            shutdown();
            say(String.format(Locale.ROOT, "RESULT mode=%s connections=%d target=%d msgs_per_s=0 p50_ms=0 p90_ms=0 p99_ms=0 "
                    + "p999_ms=0 max_ms=0 sent=0 received=0 errors=%d", o.mode, 0, o.connections, errors()));
            return 1;
        }

        if (o.warmupNanos > 0) {
            say(String.format(Locale.ROOT, "warm-up: %.1f s, not measured", o.warmupNanos / 1e9));
            TimeUnit.NANOSECONDS.sleep(o.warmupNanos);
        }
        // The measured window starts now: messages sent before it (ramp, warm-up) are not counted.
        snapshot(true);
        long start = System.nanoTime();
        windowStart = start;
        long end = start + o.durationNanos;
        long last = start;
        long lastReceived = 0;
        long lastSent = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (open.get() == 0) {
                say("every connection is closed: the run ends early");
                break;
            }
            long wake = o.intervalNanos > 0 ? Math.min(end, last + o.intervalNanos) : end;
            TimeUnit.NANOSECONDS.sleep(Math.max(0, wake - now));
            if (wake >= end) {
                break;
            }
            if (!o.quiet) {
                Snapshot s = snapshot(true);
                long t = System.nanoTime();
                double dt = (t - last) / 1e9;
                say(String.format(Locale.ROOT, "  %6.1fs: %d open, sent %.0f/s, received %.0f/s, rtt p50 %s p99 %s max %s ms, errors %d",
                        (t - start) / 1e9, open.get(), (s.sent - lastSent) / dt, (s.received - lastReceived) / dt,
                        ms(s.interval.percentile(50)), ms(s.interval.percentile(99)), ms(s.interval.max), errors()));
                lastSent = s.sent;
                lastReceived = s.received;
                last = t;
            } else {
                last = System.nanoTime();
            }
        }
        // Stop sending; the window ends here. Replies still on their way are waited for (up to 2 s), and they
        // count for latency but not for throughput.
        sending = false;
        double seconds = (System.nanoTime() - start) / 1e9;
        Snapshot atEnd = snapshot(false);
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        Snapshot fin = atEnd;
        while (fin.received + fin.mismatched < fin.sent && System.nanoTime() < drainUntil && open.get() > 0) {
            Thread.sleep(20);
            fin = snapshot(false);
        }
        int openAtEnd = open.get();
        stopping = true;
        shutdown();

        long unanswered = Math.max(0, fin.sent - fin.received - fin.mismatched);
        double rate = atEnd.received / seconds;
        double mib = rate * o.size / (1024.0 * 1024.0);
        Histogram h = fin.total;
        say("");
        say("== WsLoad result ==");
        say(String.format(Locale.ROOT, "connections: %d of %d opened (peak %d open, %d open at the end), ramp %.1f s",
                opened.get(), o.connections, peakOpen.get(), openAtEnd, rampSeconds));
        say(String.format(Locale.ROOT, "messages: %d sent, %d echoed in %.1f s: %.0f msg/s (%.2f MiB/s of payload each way)",
                fin.sent, fin.received, seconds, rate, mib));
        say(String.format(Locale.ROOT, "round trip ms: p50 %s, p90 %s, p99 %s, p99.9 %s, max %s (%d samples, buckets within 1.6%%)",
                ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max), h.total));
        long errors = errors() + fin.mismatched + unanswered;
        say(String.format(Locale.ROOT, "errors: %d (connect %d, handshake %d, closed during the run %d, wrong echo %d, unanswered %d)",
                errors, connectFailed.get(), handshakeFailed.get(), closedByServer.get(), fin.mismatched, unanswered));
        printErrors();
        say(String.format(Locale.ROOT, "RESULT mode=%s connections=%d target=%d msgs_per_s=%.0f p50_ms=%s p90_ms=%s p99_ms=%s "
                        + "p999_ms=%s max_ms=%s sent=%d received=%d errors=%d seconds=%.1f",
                o.mode, peakOpen.get(), o.connections, rate, ms(h.percentile(50)), ms(h.percentile(90)),
                ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max), fin.sent, fin.received, errors, seconds));
        return errors == 0 && opened.get() == o.connections ? 0 : 1;
    }

    void printErrors() {
        errorKinds.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get()))
                .limit(10)
                .forEach(e -> say("  " + e.getValue().get() + " x " + e.getKey()));
    }

    void shutdown() throws InterruptedException {
        stopping = true;
        sending = false;
        // A clean close handshake (1000) for every connection, then the event loops stop.
        channels.writeAndFlush(new CloseWebSocketFrame(1000, "load test done"),
                ch -> ch.pipeline().get(Connection.class) != null
                        && ch.pipeline().get(Connection.class).established);
        channels.newCloseFuture().await(3, TimeUnit.SECONDS);
        channels.close().await(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Limits: every connection is a file descriptor and, towards one server address, a local port.

    static String checkLimits(Options o) {
        long needed = o.connections + 64L;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            if (max < needed) {
                return "open files limit (ulimit -n) is " + max + ": " + o.connections + " connections need at least "
                        + needed + ". Raise it first, e.g. 'ulimit -n 65536' in this shell (the hard limit: ulimit -Hn; "
                        + "for a service: LimitNOFILE)";
            }
        }
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            long ports = Long.parseLong(range[1]) - Long.parseLong(range[0]) + 1;
            long sources = Math.max(1, o.bind.size());
            if (o.connections > ports * sources - 100) {
                return o.connections + " connections to one server address need as many local ports, but "
                        + "net.ipv4.ip_local_port_range gives " + ports + (sources > 1 ? " per --bind address (" + sources + ")" : "")
                        + ": add local addresses with --bind 127.0.0.1,127.0.0.2,... (loopback) or widen the range "
                        + "(sysctl -w net.ipv4.ip_local_port_range='1024 65535')";
            }
        } catch (Exception ignored) {
            // not Linux, or unreadable: the connects will tell
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("WsLoad: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        String limit = checkLimits(o);
        if (limit != null) {
            System.err.println("WsLoad: " + limit);
            System.exit(2);
        }
        int status;
        try {
            status = new WsLoad(o).run();
        } catch (java.net.UnknownHostException e) {
            System.err.println("WsLoad: unknown host " + o.url.getHost());
            status = 2;
        }
        System.exit(status);
    }
}
