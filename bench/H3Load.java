import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/3 load client, h2load's shape over QUIC: N connections, each keeping M request streams in flight (a new
 * stream as soon as one completes), for a set time. Netty's HTTP/3 client from Carbon's shaded jar, no build step:
 *
 * <pre>
 *   java -cp target/carbon.jar bench/H3Load.java --url https://127.0.0.1:8443/1k.html --connections 50 \
 *       --streams 10 --duration 10s --warmup 2s --threads 2 --insecure
 * </pre>
 *
 * Counts completed responses by status and the body bytes, records every request's latency (stream opened to
 * response FIN) in a log-linear histogram per event loop, and prints a summary and one {@code RESULT} line for
 * scripts. Errors (connections that fail or close, reset or timed-out streams, non-200 answers, bodies of the wrong
 * length with {@code --expect-length}) are counted and reported, never fatal. Exit status: 0 when requests completed
 * and nothing failed, 1 when something failed or nothing completed, 2 on bad usage.
 */
public final class H3Load {

    // ---------------------------------------------------------------------------------------------------------
    // Options

    static final class Options {
        URI url;
        int connections = 10;
        int streams = 10;
        long durationNanos = TimeUnit.SECONDS.toNanos(10);
        long warmupNanos;
        int threads = Runtime.getRuntime().availableProcessors();
        boolean insecure;
        String method = "GET";
        List<String[]> headers = new ArrayList<>();
        long timeoutNanos = TimeUnit.SECONDS.toNanos(10);
        long connectTimeoutNanos = TimeUnit.SECONDS.toNanos(5);
        long idleTimeoutNanos = TimeUnit.SECONDS.toNanos(30);
        long streamWindow = 4L << 20;
        long connectionWindow = -1;
        int udpBuffer = 4 << 20;
        long expectLength = -1;
        long intervalNanos = TimeUnit.SECONDS.toNanos(1);
        boolean quiet;
        String sni;
    }

    static final String USAGE = """
            usage: java -cp target/carbon.jar bench/H3Load.java --url https://HOST:PORT/PATH [options]

            An HTTP/3 load client: --connections QUIC connections, each keeping --streams requests in flight.
              --url URL              https://host:port/path (HTTP/3 on UDP at that port)
              --connections N, -c N  QUIC connections [10]
              --streams M, -m M      concurrent request streams per connection [10]
              --duration D, -d D     measured time: 10s, 2m, 500ms [10s]
              --warmup D             load before the measured time, not counted [0]
              --threads T, -t T      event loops; connections are spread over them [number of cores]
              --insecure, -k         trust any certificate (self-signed benchmark certificates)
              --sni NAME             TLS server name to send [the URL's host if it is a name with a dot]. Netty
                                     sends none for IP literals or names without a dot; this sends NAME anyway.
                                     Caddy needs one: its HTTP/3 listener on the wildcard address finds no
                                     certificate without SNI (TLS alert internal_error); --sni localhost
              --header 'NAME: VALUE', -H   an extra request field, repeatable (names are sent in lower case)
              --method M             request method [GET]
              --timeout D            a request not answered within D counts as an error and is reset [10s]
              --connect-timeout D    a QUIC handshake not done within D counts as an error [5s]
              --idle-timeout D       QUIC max_idle_timeout [30s]
              --window BYTES         receive window per request stream (initial_max_stream_data_bidi_*) [4m]
              --connection-window BYTES   receive window per connection (initial_max_data) [max(16m, streams x window)]
              --udp-buffer BYTES     SO_RCVBUF/SO_SNDBUF of each connection's UDP socket [4m]
              --expect-length N      a 200 whose body is not N bytes counts as an error
              --interval D           progress line every D; 0 = none [1s]
              --quiet                no progress lines
            Sizes take k and m suffixes (powers of 1024). Prints a summary and one RESULT line of key=value pairs.
            Exit status: 0 requests completed and nothing failed, 1 errors or no request completed, 2 usage.
            """;

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    System.exit(0);
                }
                case "--insecure", "-k" -> {
                    o.insecure = true;
                    continue;
                }
                case "--quiet" -> {
                    o.quiet = true;
                    continue;
                }
                default -> { }
            }
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
                case "--connections", "-c" -> o.connections = positiveInt(name, value);
                case "--streams", "-m" -> o.streams = positiveInt(name, value);
                case "--duration", "-d" -> o.durationNanos = duration(name, value);
                case "--warmup" -> o.warmupNanos = value.equals("0") ? 0 : duration(name, value);
                case "--threads", "-t" -> o.threads = positiveInt(name, value);
                case "--header", "-H" -> {
                    int colon = value.indexOf(':', 1);
                    if (colon < 0) {
                        throw new IllegalArgumentException("--header must be 'name: value', not '" + value + "'");
                    }
                    o.headers.add(new String[] {value.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            value.substring(colon + 1).strip()});
                }
                case "--method" -> o.method = value;
                case "--sni" -> o.sni = value;
                case "--timeout" -> o.timeoutNanos = duration(name, value);
                case "--connect-timeout" -> o.connectTimeoutNanos = duration(name, value);
                case "--idle-timeout" -> o.idleTimeoutNanos = duration(name, value);
                case "--window" -> o.streamWindow = size(name, value);
                case "--connection-window" -> o.connectionWindow = size(name, value);
                case "--udp-buffer" -> o.udpBuffer = (int) Math.min(Integer.MAX_VALUE, size(name, value));
                case "--expect-length" -> o.expectLength = Long.parseLong(value);
                case "--interval" -> o.intervalNanos = value.equals("0") ? 0 : duration(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name + " (see --help)");
            }
        }
        if (o.url == null) {
            throw new IllegalArgumentException("--url is required, e.g. --url https://127.0.0.1:8443/1k.html");
        }
        if (!"https".equalsIgnoreCase(o.url.getScheme()) || o.url.getHost() == null) {
            throw new IllegalArgumentException("--url must be https://host[:port]/path (HTTP/3 is always over TLS)");
        }
        if (o.durationNanos < TimeUnit.MILLISECONDS.toNanos(100)) {
            throw new IllegalArgumentException("--duration must be at least 100ms");
        }
        if (o.connectionWindow < 0) {
            o.connectionWindow = Math.max(16L << 20, o.streams * o.streamWindow);
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

    static long size(String name, String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("k")) { unit = 1024; s = s.substring(0, s.length() - 1); }
        else if (s.endsWith("m")) { unit = 1024 * 1024; s = s.substring(0, s.length() - 1); }
        try {
            long n = Long.parseLong(s);
            if (n > 0) {
                return n * unit;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new IllegalArgumentException(name + " must be a size in bytes such as 1048576, 512k or 4m, not '" + v + "'");
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
        throw new IllegalArgumentException(name + " must be a duration such as 10s, 2m or 500ms, not '" + v + "'");
    }

    // ---------------------------------------------------------------------------------------------------------
    // A log-linear histogram of nanoseconds (as in WsLoad): values below 128 are exact, above that 64 sub-buckets
    // per power of two, so a value is known to within 1/64 (1.6 %).

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
    // and resets it by running a task on that loop, so the measured window starts and ends at one instant per
    // loop. Failures are rarer and go to global counters by kind (they count over the whole run, warm-up too).

    static final class LoopStats {
        final Histogram latency = new Histogram();
        final long[] status = new long[600]; // responses by status code; [0] = no status or out of range
        long completed;
        long bodyBytes;

        void clear() {
            latency.clear();
            java.util.Arrays.fill(status, 0);
            completed = 0;
            bodyBytes = 0;
        }

        void addTo(LoopStats sum) {
            sum.latency.add(latency);
            for (int i = 0; i < status.length; i++) {
                sum.status[i] += status[i];
            }
            sum.completed += completed;
            sum.bodyBytes += bodyBytes;
        }
    }

    final Options o;
    final InetSocketAddress remote;
    final String authority;
    final String path;
    final QuicSslContext sslContext;
    final EventLoopGroup group;
    final Class<? extends DatagramChannel> channelClass;
    final String transport;
    final Map<EventExecutor, LoopStats> stats = new IdentityHashMap<>();
    final List<Connection> connections = new ArrayList<>();
    final Map<String, AtomicLong> errorKinds = new ConcurrentHashMap<>();
    final AtomicInteger up = new AtomicInteger();
    final AtomicInteger everUp = new AtomicInteger();
    final AtomicLong connectFailures = new AtomicLong();
    final AtomicLong udpBufferGot = new AtomicLong(-1);
    volatile boolean running = true;

    H3Load(Options o) throws Exception {
        this.o = o;
        int port = o.url.getPort() > 0 ? o.url.getPort() : 443;
        this.remote = new InetSocketAddress(InetAddress.getByName(o.url.getHost()), port);
        this.authority = o.url.getPort() > 0 ? o.url.getHost() + ":" + port : o.url.getHost();
        String p = o.url.getRawPath() == null || o.url.getRawPath().isEmpty() ? "/" : o.url.getRawPath();
        this.path = o.url.getRawQuery() == null ? p : p + "?" + o.url.getRawQuery();
        QuicSslContextBuilder ssl = QuicSslContextBuilder.forClient()
                .applicationProtocols(Http3.supportedApplicationProtocols());
        if (o.insecure) {
            ssl.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        this.sslContext = ssl.build();
        IoHandlerFactory factory;
        if (Epoll.isAvailable()) {
            factory = EpollIoHandler.newFactory();
            channelClass = EpollDatagramChannel.class;
            transport = "epoll";
        } else {
            factory = NioIoHandler.newFactory();
            channelClass = NioDatagramChannel.class;
            transport = "nio (epoll unavailable: " + Epoll.unavailabilityCause() + ")";
        }
        this.group = new MultiThreadIoEventLoopGroup(o.threads, factory);
        for (EventExecutor e : group) {
            stats.put(e, new LoopStats());
        }
    }

    /**
     * A client engine that sends {@code --sni}. Netty's QUIC engine takes a server name only when it has a dot and
     * is not an IP literal (QuicheQuicSslEngine.isValidHostNameForSNI), so "localhost" is set on its field directly.
     */
    io.netty.handler.codec.quic.QuicSslEngine newEngine(QuicChannel q) {
        if (o.sni == null) {
            return sslContext.newEngine(q.alloc(), o.url.getHost(), remote.getPort());
        }
        io.netty.handler.codec.quic.QuicSslEngine engine = sslContext.newEngine(q.alloc(), o.sni, remote.getPort());
        try {
            java.lang.reflect.Field f = engine.getClass().getDeclaredField("tlsHostName");
            f.setAccessible(true);
            if (f.get(engine) == null) {
                f.set(engine, o.sni);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("--sni " + o.sni + ": cannot set the server name on Netty's QUIC engine ("
                    + e + "); use a name with a dot", e);
        }
        return engine;
    }

    void error(String kind) {
        errorKinds.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown";
        }
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t instanceof io.netty.handler.codec.DecoderException)) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 200 ? m.substring(0, 200) + "..." : m));
    }

    // ---------------------------------------------------------------------------------------------------------
    // One connection: its own UDP socket and QUIC connection on one event loop; everything below runs on it.

    final class Connection {
        final EventLoop loop;
        final LoopStats loopStats;
        final List<Request> live = new ArrayList<>();
        Channel udp;
        QuicChannel quic;
        boolean established;
        int opening; // streams asked for and not yet open
        Promise<QuicChannel> connecting;
        io.netty.util.concurrent.ScheduledFuture<?> ticker;

        Connection(EventLoop loop) {
            this.loop = loop;
            this.loopStats = stats.get(loop);
        }

        void start() {
            loop.execute(this::connect);
        }

        void connect() {
            if (!running) {
                return;
            }
            io.netty.channel.ChannelHandler codec = Http3.newQuicClientCodecBuilder()
                    .sslEngineProvider(q -> newEngine(q))
                    .maxIdleTimeout(o.idleTimeoutNanos, TimeUnit.NANOSECONDS)
                    // Receive windows: a response body may use a whole stream window before quiche
                    // returns credit, so 1 MiB files at M streams need M x 1 MiB of connection window.
                    .initialMaxData(o.connectionWindow)
                    .initialMaxStreamDataBidirectionalLocal(o.streamWindow)
                    .initialMaxStreamDataBidirectionalRemote(o.streamWindow)
                    .build();
            Bootstrap b = new Bootstrap().group(loop).channel(channelClass).handler(codec)
                    .option(ChannelOption.SO_RCVBUF, o.udpBuffer)
                    .option(ChannelOption.SO_SNDBUF, o.udpBuffer);
            b.bind(0).addListener((io.netty.channel.ChannelFuture bound) -> {
                if (!bound.isSuccess()) {
                    failed("UDP bind: " + describe(bound.cause()));
                    return;
                }
                udp = bound.channel();
                if (udpBufferGot.get() < 0 && udp.config() instanceof io.netty.channel.socket.DatagramChannelConfig c) {
                    // Linux reports twice what it grants (its bookkeeping); net.core.rmem_max caps it.
                    udpBufferGot.set(c.getReceiveBufferSize() / 2);
                }
                Promise<QuicChannel> connected = loop.newPromise();
                connecting = connected;
                io.netty.util.concurrent.ScheduledFuture<?> timer = loop.schedule(() -> {
                    if (connected.tryFailure(new java.util.concurrent.TimeoutException(
                            "no QUIC handshake within " + o.connectTimeoutNanos / 1_000_000 + " ms"))) {
                        udp.close();
                    }
                }, o.connectTimeoutNanos, TimeUnit.NANOSECONDS);
                QuicChannel.newBootstrap(udp)
                        .handler(new io.netty.channel.ChannelInitializer<QuicChannel>() {
                            @Override
                            protected void initChannel(QuicChannel ch) {
                                ch.pipeline().addLast(new Http3ClientConnectionHandler(), new Events());
                            }
                        })
                        .remoteAddress(remote)
                        .connect()
                        .addListener((Future<QuicChannel> f) -> {
                            timer.cancel(false);
                            if (f.isSuccess()) {
                                if (connected.trySuccess(f.getNow())) {
                                    established(f.getNow());
                                } else {
                                    f.getNow().close();
                                }
                            } else if (connected.tryFailure(f.cause())) {
                                udp.close();
                            }
                        });
                connected.addListener((Future<QuicChannel> f) -> {
                    if (!f.isSuccess()) {
                        failed("connect: " + describe(f.cause()));
                    }
                });
            });
        }

        void failed(String why) {
            connectFailures.incrementAndGet();
            error(why);
            if (udp != null) {
                udp.close();
            }
            // Try again while the run lasts: a server that comes up late or drops a connection gets load again.
            if (running) {
                loop.schedule(this::connect, 200, TimeUnit.MILLISECONDS);
            }
        }

        void established(QuicChannel ch) {
            quic = ch;
            established = true;
            up.incrementAndGet();
            everUp.incrementAndGet();
            ticker = loop.scheduleAtFixedRate(this::checkTimeouts, 100, 100, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> closed());
            fill();
        }

        void closed() {
            if (!established) {
                return;
            }
            established = false;
            up.decrementAndGet();
            if (ticker != null) {
                ticker.cancel(false);
            }
            if (udp != null) {
                udp.close();
            }
            if (running) {
                error("connection closed during the run" + (quic.isTimedOut() ? " (idle timeout)" : ""));
                loop.schedule(this::connect, 100, TimeUnit.MILLISECONDS);
            }
        }

        /** Opens streams until M are in flight, as far as the peer's stream limit allows. */
        void fill() {
            while (running && established && live.size() + opening < o.streams
                    && quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > opening) {
                opening++;
                Request r = new Request(this);
                Http3.newRequestStream(quic, r).addListener((Future<QuicStreamChannel> f) -> {
                    opening--;
                    if (f.isSuccess()) {
                        r.send(f.getNow());
                    } else {
                        error("stream open: " + describe(f.cause()));
                        if (running && established) {
                            loop.schedule(this::fill, 10, TimeUnit.MILLISECONDS);
                        }
                    }
                });
            }
        }

        void done(Request r) {
            live.remove(r);
            fill();
        }

        void checkTimeouts() {
            long now = System.nanoTime();
            for (Request r : new ArrayList<>(live)) {
                if (now - r.start > o.timeoutNanos && !r.finished) {
                    r.timedOut = true;
                    error("request timed out (" + o.timeoutNanos / 1_000_000 + " ms)");
                    r.stream.close();
                }
            }
        }

        /** On the QUIC channel's pipeline, one per connection attempt (a handler is added to one pipeline). */
        final class Events extends ChannelInboundHandlerAdapter {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof io.netty.handler.codec.quic.QuicConnectionCloseEvent e && !established
                        && connecting != null && !connecting.isDone()) {
                    // The handshake failed (e.g. 0x150: TLS alert 80, internal_error): fail now rather than after
                    // quiche's draining period, with the reason.
                    connecting.tryFailure(new javax.net.ssl.SSLException(String.format(Locale.ROOT,
                            "CONNECTION_CLOSE during the handshake, %s error 0x%x%s",
                            e.isApplicationClose() ? "application" : "transport", e.error(),
                            e.isTlsError() ? " (TLS alert " + (e.error() - 0x100) + (e.error() == 0x150
                                    ? " internal_error: a server that picks its certificate by SNI found none; try --sni)"
                                    : ")") : "")));
                    udp.close();
                }
                // MAX_STREAMS from the server: more streams may be opened.
                if (evt instanceof QuicStreamLimitChangedEvent) {
                    fill();
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (running) {
                    error("connection: " + describe(cause));
                }
                ctx.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // One request: HEADERS with FIN, then the response's HEADERS and DATA until the server's FIN.

    final class Request extends Http3RequestStreamInboundHandler {
        final Connection conn;
        QuicStreamChannel stream;
        long start;
        int status;
        long bytes;
        boolean finished;
        boolean timedOut;
        boolean reported;

        Request(Connection conn) {
            this.conn = conn;
        }

        void send(QuicStreamChannel s) {
            stream = s;
            start = System.nanoTime();
            conn.live.add(this);
            Http3HeadersFrame frame = new DefaultHttp3HeadersFrame();
            Http3Headers h = frame.headers();
            h.method(o.method).path(path).authority(authority).scheme("https");
            for (String[] kv : o.headers) {
                h.add(kv[0], kv[1]);
            }
            s.writeAndFlush(frame).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            CharSequence st = frame.headers().status();
            // 1xx answers are interim (RFC 9114 §4.1); a second final HEADERS is trailers.
            if (status == 0 && st != null && !(st.length() > 0 && st.charAt(0) == '1')) {
                try {
                    status = Integer.parseInt(st.toString());
                } catch (NumberFormatException e) {
                    status = -1;
                }
            }
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            bytes += frame.content().readableBytes();
            frame.release();
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            if (!finished && !timedOut) {
                finished = true;
                LoopStats s = conn.loopStats;
                s.latency.record(System.nanoTime() - start);
                s.completed++;
                s.bodyBytes += bytes;
                s.status[status > 0 && status < s.status.length ? status : 0]++;
                if (status == 200 && o.expectLength >= 0 && bytes != o.expectLength) {
                    error("200 with " + bytes + " body bytes, not " + o.expectLength);
                }
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!reported) {
                reported = true;
                if (!finished && !timedOut && running && conn.established) {
                    error("stream closed before the response ended");
                }
                conn.done(this);
            }
            super.channelInactive(ctx);
        }

        @Override
        protected void handleQuicException(ChannelHandlerContext ctx, QuicException e) {
            if (running) {
                error("stream: " + describe(e));
            }
            ctx.close();
        }

        @Override
        protected void handleHttp3Exception(ChannelHandlerContext ctx, Http3Exception e) {
            if (running) {
                error("HTTP/3: " + describe(e));
            }
            super.handleHttp3Exception(ctx, e);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof QuicException || cause instanceof Http3Exception) {
                super.exceptionCaught(ctx, cause);
                return;
            }
            if (running) {
                error("stream: " + describe(cause));
            }
            ctx.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The run

    LoopStats snapshot(boolean reset) throws Exception {
        LoopStats sum = new LoopStats();
        List<Future<?>> tasks = new ArrayList<>();
        for (Map.Entry<EventExecutor, LoopStats> e : stats.entrySet()) {
            LoopStats l = e.getValue();
            tasks.add(e.getKey().submit(() -> {
                synchronized (sum) {
                    l.addTo(sum);
                }
                if (reset) {
                    l.clear();
                }
            }));
        }
        for (Future<?> t : tasks) {
            t.get(10, TimeUnit.SECONDS);
        }
        synchronized (sum) {
            return sum;
        }
    }

    long errors() {
        long n = 0;
        for (AtomicLong v : errorKinds.values()) {
            n += v.get();
        }
        return n;
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    static void say(String s) {
        System.out.println(s);
        System.out.flush();
    }

    int run() throws Exception {
        say("H3Load: " + o.url + ", " + o.connections + " connection(s) x " + o.streams + " stream(s), " + o.threads
                + " event loop(s), " + transport + (o.insecure ? ", certificate not checked" : "")
                + String.format(Locale.ROOT, ", windows %d KiB per stream and %d KiB per connection",
                        o.streamWindow >> 10, o.connectionWindow >> 10));
        long t0 = System.nanoTime();
        for (int i = 0; i < o.connections; i++) {
            Connection c = new Connection(group.next());
            connections.add(c);
            c.start();
        }
        // Wait for the handshakes: all up, or the connect timeout (plus a little) gone.
        long rampDeadline = t0 + o.connectTimeoutNanos + TimeUnit.MILLISECONDS.toNanos(500);
        while (everUp.get() < o.connections && System.nanoTime() < rampDeadline) {
            Thread.sleep(5);
        }
        say(String.format(Locale.ROOT, "connections: %d of %d up after %.2f s (%d failed attempts)", up.get(),
                o.connections, (System.nanoTime() - t0) / 1e9, connectFailures.get()));
        if (udpBufferGot.get() >= 0 && udpBufferGot.get() < o.udpBuffer) {
            say(String.format(Locale.ROOT, "note: UDP receive buffer is %d KiB, not the %d KiB asked (net.core.rmem_max)",
                    udpBufferGot.get() >> 10, o.udpBuffer >> 10));
        }
        if (everUp.get() == 0) {
            say("no connection came up; nothing to measure");
            long failures = Math.max(1, errors());
            running = false;
            printErrors();
            shutdown();
            say(String.format(Locale.ROOT, "RESULT requests=0 rps=0 p50_ms=0 p90_ms=0 p99_ms=0 max_ms=0 errors=%d "
                    + "bytes=0 mib_per_s=0 non200=0 connections=0 seconds=0", failures));
            return 1;
        }
        if (o.warmupNanos > 0) {
            say(String.format(Locale.ROOT, "warm-up: %.1f s, not measured", o.warmupNanos / 1e9));
            TimeUnit.NANOSECONDS.sleep(o.warmupNanos);
        }
        snapshot(true);
        long start = System.nanoTime();
        long end = start + o.durationNanos;
        long last = start;
        while (true) {
            long now = System.nanoTime();
            long wake = o.intervalNanos > 0 && !o.quiet ? Math.min(end, last + o.intervalNanos) : end;
            if (wake > now) {
                TimeUnit.NANOSECONDS.sleep(wake - now);
            }
            if (wake >= end) {
                break;
            }
            LoopStats s = snapshot(false);
            long t = System.nanoTime();
            say(String.format(Locale.ROOT, "  %6.1fs: %d up, %d responses (%.0f/s so far), p50 %s p99 %s ms, errors %d",
                    (t - start) / 1e9, up.get(), s.completed, s.completed / ((t - start) / 1e9),
                    ms(s.latency.percentile(50)), ms(s.latency.percentile(99)), errors()));
            last = t;
        }
        LoopStats fin = snapshot(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        int upAtEnd = up.get();
        long errorsInRun = errors();
        running = false;
        shutdown();

        long ok = fin.status[200];
        long non200 = fin.completed - ok;
        long errors = errorsInRun + non200;
        double rps = fin.completed / seconds;
        double mib = fin.bodyBytes / seconds / (1024.0 * 1024.0);
        Histogram h = fin.latency;
        say("");
        say("== H3Load result ==");
        say(String.format(Locale.ROOT, "connections: %d of %d up at the end, %d failed or lost attempts",
                upAtEnd, o.connections, connectFailures.get()));
        say(String.format(Locale.ROOT, "requests: %d completed in %.2f s: %.0f req/s, %.1f MiB/s of body (%d bytes)",
                fin.completed, seconds, rps, mib, fin.bodyBytes));
        StringBuilder st = new StringBuilder();
        Map<Integer, Long> byStatus = new TreeMap<>();
        for (int i = 0; i < fin.status.length; i++) {
            if (fin.status[i] > 0) {
                byStatus.put(i, fin.status[i]);
            }
        }
        byStatus.forEach((k, v) -> st.append(k == 0 ? "none" : k).append(": ").append(v).append(", "));
        say("status: " + (st.length() == 0 ? "-" : st.substring(0, st.length() - 2)));
        say(String.format(Locale.ROOT, "latency ms (stream open to response end): p50 %s, p90 %s, p99 %s, p99.9 %s, max %s"
                        + " (%d samples, buckets within 1.6%%)",
                ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max), h.total));
        say(String.format(Locale.ROOT, "errors: %d (%d non-200 responses in the measured time; failures over the whole run: %d)",
                errors, non200, errorsInRun));
        printErrors();
        say(String.format(Locale.ROOT, "RESULT requests=%d rps=%.0f p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%s errors=%d "
                        + "bytes=%d mib_per_s=%.1f non200=%d connections=%d seconds=%.2f",
                fin.completed, rps, ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)), ms(h.max),
                errors, fin.bodyBytes, mib, non200, upAtEnd, seconds));
        return errors == 0 && fin.completed > 0 ? 0 : 1;
    }

    void printErrors() {
        errorKinds.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get()))
                .limit(10)
                .forEach(e -> say("  " + e.getValue().get() + " x " + e.getKey()));
    }

    void shutdown() throws InterruptedException {
        running = false;
        List<Future<?>> closing = new ArrayList<>();
        for (Connection c : connections) {
            closing.add(c.loop.submit(() -> {
                if (c.quic != null && c.quic.isOpen()) {
                    // CONNECTION_CLOSE with H3_NO_ERROR (0x100), RFC 9114 §8.1.
                    c.quic.close(true, 0x100, io.netty.buffer.Unpooled.EMPTY_BUFFER);
                }
            }));
        }
        for (Future<?> f : closing) {
            f.await(2, TimeUnit.SECONDS);
        }
        Thread.sleep(50); // let the CONNECTION_CLOSE frames leave
        for (Connection c : connections) {
            if (c.udp != null) {
                c.udp.close().await(1, TimeUnit.SECONDS);
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("H3Load: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        int status;
        try {
            status = new H3Load(o).run();
        } catch (java.net.UnknownHostException e) {
            System.err.println("H3Load: unknown host " + o.url.getHost());
            status = 2;
        }
        System.exit(status);
    }
}
