import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebTransport (draft-02 over HTTP/3, as Chromium speaks it) benchmark client for Carbon, on the Netty inside
 * Carbon's shaded jar: {@code java -cp target/carbon.jar bench/WtLoad.java --port 18453 --mode all}.
 *
 * <p>Every session is its own QUIC connection (its own UDP socket), as Chromium opens them. Modes:
 * <ul>
 * <li>{@code datagram}: each of N sessions on the echo path sends a datagram carrying a sequence number and its send
 * time and waits for the echo (one in flight per session); no echo within {@code --loss-timeout} counts as lost and
 * the next is sent.</li>
 * <li>{@code stream}: each of N sessions opens a new bidirectional stream per message (0x41, session id, payload,
 * FIN) and waits for the echo and the server's FIN before the next.</li>
 * <li>{@code fanout}: M subscriber sessions and 1 publisher session on a channel path; the publisher sends each
 * message on its own unidirectional stream (0x54, session id, payload, FIN), keeping at most {@code --window}
 * messages not yet delivered to every subscriber; latency = arrival at a subscriber minus the send time in the
 * payload (one JVM, one clock).</li>
 * </ul>
 * Only messages sent inside the measured window (after {@code --warmup}) count. Prints a Markdown table and one
 * {@code RESULT} line per mode.
 */
public class WtLoad {

    static String host = "127.0.0.1";
    static int port = 8443;
    static String sni;
    static String mode = "all";
    static int sessions = 20;
    static int subscribers = 20;
    static long durationNanos = TimeUnit.SECONDS.toNanos(10);
    static long warmupNanos = TimeUnit.SECONDS.toNanos(2);
    static int size = 64;
    static int window = 16;
    static long lossTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(200);
    static int threads = Runtime.getRuntime().availableProcessors();
    static String echoPath = "/ws";
    static String channelPath = "/ws/channels/bench";

    static void say(String s) {
        System.out.println(s);
        System.out.flush();
    }

    static long parseDuration(String v) {
        if (v.endsWith("ms")) {
            return TimeUnit.MILLISECONDS.toNanos(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("m")) {
            return TimeUnit.MINUTES.toNanos(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        if (v.endsWith("s")) {
            return TimeUnit.SECONDS.toNanos(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return TimeUnit.SECONDS.toNanos(Long.parseLong(v));
    }

    static final String USAGE = """
            Usage: java -cp target/carbon.jar bench/WtLoad.java [options]
              --host H               server address [127.0.0.1]
              --port P               Carbon's HTTP/3 (UDP) port [8443]
              --sni NAME             TLS server name to send (e.g. localhost) [none for an IP address]
              --mode M               datagram, stream, fanout or all [all]
              --sessions N           sessions (QUIC connections) of the datagram and stream modes [20]
              --subscribers M        subscriber sessions of the fanout mode (plus one publisher) [20]
              --duration D           measured time per mode (s, m, ms) [10s]
              --warmup D             load before each measured window, not counted [2s]
              --size B               payload bytes (at least 16: sequence number and send time) [64]
              --window W             fanout: messages not yet delivered to every subscriber [16]
              --loss-timeout D       datagram: an echo not back after this is lost [200ms]
              --threads T            client event loops [cores]
              --echo-path P          [/ws]
              --channel-path P       [/ws/channels/bench]
            Prints a Markdown table and one RESULT line per mode; exit status 1 when a session failed.
            """;

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(USAGE);
                return;
            }
            if (i + 1 >= args.length) {
                System.err.print("WtLoad: " + a + " needs a value\n" + USAGE);
                System.exit(2);
            }
            String v = args[++i];
            switch (a) {
                case "--host" -> host = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--sni" -> sni = v;
                case "--mode" -> mode = v;
                case "--sessions" -> sessions = Integer.parseInt(v);
                case "--subscribers" -> subscribers = Integer.parseInt(v);
                case "--duration" -> durationNanos = parseDuration(v);
                case "--warmup" -> warmupNanos = parseDuration(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--window" -> window = Integer.parseInt(v);
                case "--loss-timeout" -> lossTimeoutNanos = parseDuration(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--echo-path" -> echoPath = v;
                case "--channel-path" -> channelPath = v;
                default -> {
                    System.err.print("WtLoad: unknown option " + a + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        if (size < 16 || size > 1000 || sessions < 1 || subscribers < 1 || window < 1) {
            System.err.println("WtLoad: --size must be 16-1000 (one datagram), --sessions, --subscribers, --window >= 1");
            System.exit(2);
        }
        List<String> modes = mode.equals("all") ? List.of("datagram", "stream", "fanout") : List.of(mode.split(","));
        group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        tls = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(Http3.supportedApplicationProtocols()).build();
        List<Result> results = new ArrayList<>();
        boolean ok = true;
        try {
            for (String m : modes) {
                Result r = switch (m) {
                    case "datagram" -> runEcho(true);
                    case "stream" -> runEcho(false);
                    case "fanout" -> runFanout();
                    default -> throw new IllegalArgumentException("unknown mode " + m);
                };
                results.add(r);
                ok &= r.errors == 0;
                say(r.resultLine());
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        say("");
        say("| mode | sessions | measured | messages/s | p50 ms | p99 ms | max ms | lost | errors |");
        say("|---|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            say(r.row());
        }
        System.exit(ok ? 0 : 1);
    }

    static EventLoopGroup group;
    static QuicSslContext tls;

    // ---------------------------------------------------------------- results

    static final class Samples {
        long[] v = new long[1024];
        int n;

        void add(long x) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = x;
        }
    }

    static final class Result {
        String mode;
        String sessions;
        long count;
        long lost;
        long errors;
        double seconds;
        long[] sorted;
        String unit = "echoes";

        String ms(double p) {
            if (sorted.length == 0) {
                return "-";
            }
            int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
            return String.format(Locale.ROOT, "%.3f", sorted[Math.max(0, i)] / 1e6);
        }

        double rate() {
            return count / seconds;
        }

        String resultLine() {
            return String.format(Locale.ROOT, "RESULT mode=%s sessions=%s %s=%d per_s=%.0f p50_ms=%s p99_ms=%s max_ms=%s "
                    + "lost=%d errors=%d", mode.replace(' ', '_'), sessions.replace(' ', '_'), unit, count, rate(), ms(50), ms(99),
                    ms(100), lost, errors);
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %s | %.0f s | %.0f %s/s | %s | %s | %s | %d | %d |", mode, sessions,
                    seconds, rate(), unit, ms(50), ms(99), ms(100), lost, errors);
        }
    }

    static Result result(String mode, String sessions, List<Samples> all, long lost, long errors, String unit) {
        int total = all.stream().mapToInt(s -> s.n).sum();
        long[] v = new long[total];
        int at = 0;
        for (Samples s : all) {
            System.arraycopy(s.v, 0, v, at, s.n);
            at += s.n;
        }
        Arrays.sort(v);
        Result r = new Result();
        r.mode = mode;
        r.sessions = sessions;
        r.count = total;
        r.lost = lost;
        r.errors = errors;
        r.seconds = durationNanos / 1e9;
        r.sorted = v;
        r.unit = unit;
        return r;
    }

    // ---------------------------------------------------------------- wire

    static void writeVarint(ByteBuf out, long v) {
        if (v < 64) {
            out.writeByte((int) v);
        } else if (v < 16384) {
            out.writeShort((int) (0x4000 | v));
        } else if (v < (1L << 30)) {
            out.writeInt((int) (0x80000000L | v));
        } else {
            out.writeLong(0xC000000000000000L | v);
        }
    }

    static long readVarint(ByteBuf in) {
        int first = in.readUnsignedByte();
        int len = 1 << (first >> 6);
        long v = first & 0x3F;
        for (int i = 1; i < len; i++) {
            v = (v << 8) | in.readUnsignedByte();
        }
        return v;
    }

    /** Sequence number, send time, padding up to --size. */
    static void writePayload(ByteBuf out, long seq, long sentAt) {
        out.writeLong(seq);
        out.writeLong(sentAt);
        out.writeZero(size - 16);
    }

    // ---------------------------------------------------------------- sessions

    /** One WebTransport session on its own QUIC connection. */
    static final class Session {
        Channel socket;
        QuicChannel quic;
        QuicStreamChannel connect;
        long id;
        ChannelInboundHandlerAdapter datagramHandler; // set before connect
        java.util.function.LongFunction<ChannelHandler> uniHandler = type -> discard();

        QuicSslEngine engine(QuicChannel q) {
            if (sni == null) {
                return tls.newEngine(q.alloc(), host, port);
            }
            QuicSslEngine engine = tls.newEngine(q.alloc(), sni, port);
            try { // Netty's QUIC engine takes only names with a dot; "localhost" goes in directly (as H3Load does)
                java.lang.reflect.Field f = engine.getClass().getDeclaredField("tlsHostName");
                f.setAccessible(true);
                if (f.get(engine) == null) {
                    f.set(engine, sni);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("--sni " + sni + ": cannot set the server name (" + e + ")", e);
            }
            return engine;
        }

        CompletableFuture<Session> open(String path) {
            CompletableFuture<Session> done = new CompletableFuture<>();
            socket = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .handler(Http3.newQuicClientCodecBuilder().sslEngineProvider(this::engine)
                            .maxIdleTimeout(30, TimeUnit.SECONDS)
                            .initialMaxData(16 << 20).initialMaxStreamDataBidirectionalLocal(1 << 20)
                            .initialMaxStreamDataBidirectionalRemote(1 << 20)
                            .initialMaxStreamDataUnidirectional(1 << 20).initialMaxStreamsUnidirectional(1000)
                            .datagram(256, 256).build())
                    .bind(0).syncUninterruptibly().channel();
            QuicChannel.newBootstrap(socket).handler(new ChannelInitializer<QuicChannel>() {
                        @Override
                        protected void initChannel(QuicChannel ch) {
                            ch.pipeline().addLast(new Http3ClientConnectionHandler(null, null,
                                    type -> uniHandler.apply(type), null, true));
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                                    if (msg instanceof ByteBuf b && datagramHandler != null) {
                                        datagramHandler.channelRead(ctx, b);
                                        return;
                                    }
                                    if (msg instanceof ByteBuf) {
                                        ReferenceCountUtil.release(msg);
                                        return;
                                    }
                                    ctx.fireChannelRead(msg); // a new stream of the server's: the tail registers it
                                }
                            });
                        }
                    }).remoteAddress(new InetSocketAddress(host, port)).connect().addListener(f -> {
                        if (!f.isSuccess()) {
                            done.completeExceptionally(f.cause());
                            return;
                        }
                        quic = (QuicChannel) f.getNow();
                        sendConnect(path, done);
                    });
            return done;
        }

        void sendConnect(String path, CompletableFuture<Session> done) {
            Http3.newRequestStream(quic, new Http3RequestStreamInboundHandler() {
                @Override
                protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
                    String status = String.valueOf(frame.headers().status());
                    ReferenceCountUtil.release(frame);
                    if (status.equals("200")) {
                        done.complete(Session.this);
                    } else {
                        done.completeExceptionally(new IllegalStateException("CONNECT " + path + " answered " + status));
                    }
                }

                @Override
                protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
                    ReferenceCountUtil.release(frame);
                }

                @Override
                protected void channelInputClosed(ChannelHandlerContext ctx) {
                    done.completeExceptionally(new IllegalStateException("CONNECT stream ended"));
                }
            }).addListener(f -> {
                if (!f.isSuccess()) {
                    done.completeExceptionally(f.cause());
                    return;
                }
                connect = (QuicStreamChannel) f.getNow();
                id = connect.streamId();
                DefaultHttp3HeadersFrame request = new DefaultHttp3HeadersFrame();
                request.headers().method("CONNECT").path(path).scheme("https")
                        .authority((sni != null ? sni : host) + ":" + port)
                        .add(":protocol", "webtransport").add("sec-webtransport-http3-draft02", "1")
                        .add("origin", "https://" + (sni != null ? sni : host) + ":" + port);
                connect.writeAndFlush(request);
            });
        }

        void close() {
            if (quic != null) {
                quic.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
            if (socket != null) {
                socket.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
        }
    }

    static ChannelHandler discard() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        };
    }

    /** Collects a stream's bytes until its FIN, then calls {@code done} once with them (on the stream's loop). */
    static ChannelHandler collect(java.util.function.Consumer<ByteBuf> done, boolean closeAfter) {
        return new ChannelInboundHandlerAdapter() {
            final ByteBuf bytes = Unpooled.buffer(size + 16);
            boolean delivered;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf buf) {
                    bytes.writeBytes(buf);
                }
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    deliver();
                    if (closeAfter) {
                        ctx.close();
                    }
                }
                ReferenceCountUtil.release(evt);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                deliver();
                ctx.fireChannelInactive();
            }

            void deliver() {
                if (!delivered) {
                    delivered = true;
                    try {
                        done.accept(bytes);
                    } catch (RuntimeException e) {
                        System.err.println("WtLoad: " + e);
                        e.printStackTrace();
                    } finally {
                        bytes.release();
                    }
                }
            }
        };
    }

    static List<Session> openAll(int n, String path, java.util.function.Consumer<Session> setup, AtomicLong errors)
            throws Exception {
        List<Session> list = new ArrayList<>();
        List<CompletableFuture<Session>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Session s = new Session();
            setup.accept(s);
            list.add(s);
            futures.add(s.open(path));
        }
        for (CompletableFuture<Session> f : futures) {
            try {
                f.get(15, TimeUnit.SECONDS);
            } catch (Exception e) {
                errors.incrementAndGet();
                System.err.println("WtLoad: a session did not open: " + e);
            }
        }
        list.removeIf(s -> s.connect == null || s.id < 0);
        return list;
    }

    // ---------------------------------------------------------------- datagram and stream echo

    static final class Echoer {
        final Session s;
        final boolean datagrams;
        final Samples samples = new Samples();
        final long from;
        final long until;
        final AtomicBoolean stop;
        long seq;
        long lost;
        long errors;
        long late;

        Echoer(Session s, boolean datagrams, long from, long until, AtomicBoolean stop) {
            this.s = s;
            this.datagrams = datagrams;
            this.from = from;
            this.until = until;
            this.stop = stop;
        }

        boolean measured(long sentAt) {
            return sentAt >= from && sentAt < until;
        }

        void next() {
            if (stop.get() || !s.quic.isActive()) {
                return;
            }
            long mySeq = ++seq;
            long now = System.nanoTime();
            if (datagrams) {
                ByteBuf d = s.quic.alloc().directBuffer(size + 8);
                writeVarint(d, s.id / 4);
                writePayload(d, mySeq, now);
                s.quic.writeAndFlush(d);
                s.quic.eventLoop().schedule(() -> {
                    if (seq == mySeq) { // no echo yet
                        if (measured(now)) {
                            lost++;
                        }
                        next();
                    }
                }, lossTimeoutNanos, TimeUnit.NANOSECONDS);
            } else {
                s.quic.createStream(QuicStreamType.BIDIRECTIONAL, collect(bytes -> {
                    long end = System.nanoTime();
                    if (bytes.readableBytes() != size || bytes.getLong(0) != mySeq) {
                        errors++;
                    } else if (measured(now)) {
                        samples.add(end - now);
                    }
                    s.quic.eventLoop().execute(this::next);
                }, true)).addListener(f -> {
                    if (!f.isSuccess()) {
                        errors++;
                        s.quic.eventLoop().schedule(this::next, 10, TimeUnit.MILLISECONDS);
                        return;
                    }
                    QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
                    ByteBuf out = stream.alloc().directBuffer(size + 16);
                    out.writeShort(0x4041);
                    writeVarint(out, s.id);
                    writePayload(out, mySeq, now);
                    stream.writeAndFlush(out).addListener(w -> stream.shutdownOutput());
                });
            }
        }
    }

    static Result runEcho(boolean datagrams) throws Exception {
        String name = datagrams ? "datagram echo" : "stream echo";
        AtomicLong openErrors = new AtomicLong();
        List<Echoer> echoers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        long[] win = new long[2];
        List<Session> list = openAll(sessions, echoPath, s -> {
        }, openErrors);
        say(String.format(Locale.ROOT, "WtLoad: %s: %d of %d sessions open on %s", name, list.size(), sessions,
                echoPath));
        long start = System.nanoTime();
        win[0] = start + warmupNanos;
        win[1] = win[0] + durationNanos;
        for (Session s : list) {
            Echoer e = new Echoer(s, datagrams, win[0], win[1], stop);
            echoers.add(e);
            if (datagrams) {
                s.datagramHandler = new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf d = (ByteBuf) msg;
                        long end = System.nanoTime();
                        try {
                            readVarint(d);
                            if (d.readableBytes() != size) {
                                e.errors++;
                                return;
                            }
                            long gotSeq = d.readLong();
                            long sentAt = d.readLong();
                            if (gotSeq != e.seq) {
                                e.late++;
                                return;
                            }
                            e.seq++; // the pending loss timer no longer matches; the next send takes seq + 1
                            if (e.measured(sentAt)) {
                                e.samples.add(end - sentAt);
                            }
                        } finally {
                            d.release();
                        }
                        e.next();
                    }
                };
            }
            s.quic.eventLoop().execute(e::next);
        }
        sleepUntil(win[1]);
        stop.set(true);
        Thread.sleep(Math.max(500, TimeUnit.NANOSECONDS.toMillis(lossTimeoutNanos) * 2)); // replies in flight
        long lost = 0, errors = openErrors.get(), late = 0;
        List<Samples> all = new ArrayList<>();
        for (Echoer e : echoers) {
            CompletableFuture<Void> read = new CompletableFuture<>();
            e.s.quic.eventLoop().execute(() -> read.complete(null)); // happens-before for the loop's fields
            read.get(5, TimeUnit.SECONDS);
            lost += e.lost;
            errors += e.errors;
            late += e.late;
            all.add(e.samples);
        }
        for (Session s : list) {
            s.close();
        }
        if (late > 0) {
            say("WtLoad: " + name + ": " + late + " echoes arrived after their loss timeout");
        }
        return result(name, list.size() + " of " + sessions, all, lost, errors, datagrams ? "echoes" : "streams");
    }

    // ---------------------------------------------------------------- fan-out

    static Result runFanout() throws Exception {
        AtomicLong openErrors = new AtomicLong();
        AtomicLong delivered = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean pumpQueued = new AtomicBoolean();
        long[] win = {Long.MAX_VALUE, Long.MAX_VALUE};
        List<Samples> all = new ArrayList<>();
        Session[] publisher = new Session[1];
        Runnable[] pump = new Runnable[1];
        List<Session> subs = openAll(subscribers, channelPath, s -> {
            Samples samples = new Samples();
            all.add(samples);
            s.uniHandler = type -> type != 0x54 ? discard() : collect(bytes -> {
                long end = System.nanoTime();
                readVarint(bytes); // the session id (Netty read the stream type)
                if (bytes.readableBytes() != size) {
                    errors.incrementAndGet();
                    return;
                }
                bytes.readLong();
                long sentAt = bytes.readLong();
                if (sentAt >= win[0] && sentAt < win[1]) {
                    samples.add(end - sentAt); // each subscriber's samples are touched by its own loop only
                }
                long d = delivered.incrementAndGet();
                if ((sent.get() * subscribers - d) < (long) window * subscribers && pumpQueued.compareAndSet(false, true)
                        && publisher[0] != null) {
                    publisher[0].quic.eventLoop().execute(pump[0]);
                }
            }, true);
        }, openErrors);
        List<Session> pubs = openAll(1, channelPath, s -> {
        }, openErrors);
        say(String.format(Locale.ROOT, "WtLoad: fanout: %d of %d subscribers and %d publisher open on %s", subs.size(),
                subscribers, pubs.size(), channelPath));
        if (pubs.isEmpty() || subs.isEmpty()) {
            Result r = result("channel fan-out", subs.size() + " of " + subscribers + " + 1", List.of(), 0,
                    openErrors.get() + 1, "deliveries");
            subs.forEach(Session::close);
            return r;
        }
        Session pub = pubs.get(0);
        Thread.sleep(300); // every member registered in the channel
        int members = subs.size();
        pump[0] = () -> {
            pumpQueued.set(false);
            while (!stop.get() && sent.get() * members - delivered.get() < (long) window * members
                    && pub.quic.isActive()) {
                long seq = sent.incrementAndGet();
                long now = System.nanoTime();
                pub.quic.createStream(QuicStreamType.UNIDIRECTIONAL, discard()).addListener(f -> {
                    if (!f.isSuccess()) {
                        errors.incrementAndGet();
                        return;
                    }
                    QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
                    ByteBuf out = stream.alloc().directBuffer(size + 16);
                    out.writeShort(0x4054);
                    writeVarint(out, pub.id);
                    writePayload(out, seq, now);
                    stream.writeAndFlush(out).addListener(w -> {
                        stream.shutdownOutput().addListener(x -> stream.close());
                    });
                });
            }
        };
        long start = System.nanoTime();
        win[0] = start + warmupNanos;
        win[1] = win[0] + durationNanos;
        publisher[0] = pub;
        pub.quic.eventLoop().execute(pump[0]);
        // A safety net: a pump missed between the check and the flag is retried every 10 ms.
        io.netty.util.concurrent.ScheduledFuture<?> retry = pub.quic.eventLoop().scheduleAtFixedRate(() -> pump[0].run(),
                10, 10, TimeUnit.MILLISECONDS);
        long deliveredAtStart = 0;
        sleepUntil(win[0]);
        deliveredAtStart = delivered.get();
        sleepUntil(win[1]);
        long deliveredInWindow = delivered.get() - deliveredAtStart;
        stop.set(true);
        retry.cancel(false);
        Thread.sleep(1000);
        long missing = sent.get() * members - delivered.get();
        for (Session s : subs) {
            CompletableFuture<Void> read = new CompletableFuture<>();
            s.quic.eventLoop().execute(() -> read.complete(null));
            read.get(5, TimeUnit.SECONDS);
        }
        Result r = result("channel fan-out", members + " of " + subscribers + " + 1", all, Math.max(0, missing),
                errors.get() + openErrors.get(), "deliveries");
        say(String.format(Locale.ROOT, "WtLoad: fanout: %d messages published, %d deliveries in the window (%.0f/s), "
                + "%d not delivered 1 s after the end", sent.get(), deliveredInWindow,
                deliveredInWindow / (durationNanos / 1e9), Math.max(0, missing)));
        pub.close();
        subs.forEach(Session::close);
        return r;
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }
}
