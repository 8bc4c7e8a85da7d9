package io.carbon.metrics;

import io.carbon.http.ExchangeListener;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.internal.PlatformDependent;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Carbon's Prometheus metrics: one registry per server (no global state), the per-request counters (this is
 * the {@link ExchangeListener} that {@code Exchanges} tells after the access log), the connection and TLS
 * counters the connection gate and the TLS pipeline report to, and gauges and counters that read the
 * features' own numbers (file cache, rate limit, WebSockets, SSE, JVM) through callbacks when scraped.
 *
 * <p>The hot path allocates nothing: every labelled series a request can touch is resolved once, here, into
 * arrays indexed by {@link HttpProtocol#ordinal()}, status class and content coding, and its increment is a
 * {@link LongAdder} add (the library's counters are {@code LongAdder}s too; exemplars are off, so no span
 * lookup either). The request-duration histogram is {@link RequestDurations}.
 *
 * <p>This package imports only {@code http} and {@code config}: the server hands in the features' numbers as
 * {@link LongSupplier}s ({@link #fileCache}, {@link #rateLimit}, {@link #webSockets}).
 */
public final class Metrics implements ExchangeListener {

    /** {@code Content-Type} of {@link #scrape()}: the Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    static final String[] TRANSPORTS = {"plain", "tls"};
    /** A TLS connection is {@code handshake} until ALPN picked its protocol; a plain one starts as h1. */
    static final String[] CONNECTION_PROTOCOLS = {"handshake", "h1", "h2"};
    static final String[] CODINGS = {"identity", "br", "zstd", "gzip", "other"};
    private static final int HANDSHAKE = 0;
    private static final int H1 = 1;
    private static final int H2 = 2;
    private static final int IDENTITY = 0;
    private static final int OTHER_CODING = 4;

    private static final AttributeKey<OpenConnection> OPEN = AttributeKey.valueOf("carbon.metrics.open");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** Library defaults, not read from system properties or a prometheus.properties file on the classpath. */
    private final PrometheusProperties properties = PrometheusProperties.builder().build();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder().build();

    // Per exchange, by [protocol][status class], [protocol], [coding], [cut].
    private final CounterDataPoint[][] requests;
    private final Counter requestsCounter;
    private final CounterDataPoint[] requestBytes;
    private final CounterDataPoint[] responseBytes;
    private final CounterDataPoint[] codings;
    private final CounterDataPoint[] cuts;
    private final RequestDurations durations;

    // Per connection, by [transport] and [transport][protocol].
    private final CounterDataPoint[] accepted;
    private final CounterDataPoint[][] negotiated;
    private final LongAdder[][] open;
    private final CounterDataPoint tlsHandshakes;
    private final CounterDataPoint tlsHandshakeFailures;

    public Metrics() {
        HttpProtocol[] protocols = HttpProtocol.values();
        requestsCounter = counter("carbon_http_requests_total",
                "HTTP requests answered (or cut short), by protocol and status class", "protocol", "status_class");
        requests = new CounterDataPoint[protocols.length][STATUS_CLASSES.length];
        Counter requestBody = counter("carbon_http_request_body_bytes_total",
                "request body bytes received, by protocol", "protocol");
        Counter responseBody = counter("carbon_http_response_body_bytes_total",
                "response body bytes written (after compression), by protocol", "protocol");
        requestBytes = new CounterDataPoint[protocols.length];
        responseBytes = new CounterDataPoint[protocols.length];
        for (HttpProtocol protocol : protocols) {
            for (int c = 0; c < STATUS_CLASSES.length; c++) {
                requests[protocol.ordinal()][c] = requestsCounter.labelValues(protocol.logName(), STATUS_CLASSES[c]);
            }
            requestBytes[protocol.ordinal()] = requestBody.labelValues(protocol.logName());
            responseBytes[protocol.ordinal()] = responseBody.labelValues(protocol.logName());
        }
        Counter coding = counter("carbon_http_responses_by_coding_total",
                "responses by the content coding of their body (identity = not compressed)", "coding");
        codings = new CounterDataPoint[CODINGS.length];
        for (int i = 0; i < CODINGS.length; i++) {
            codings[i] = coding.labelValues(CODINGS[i]);
        }
        Counter cut = counter("carbon_http_exchanges_cut_total",
                "exchanges that ended before their response was complete, by reason", "reason");
        ExchangeOutcome.Cut[] reasons = ExchangeOutcome.Cut.values();
        cuts = new CounterDataPoint[reasons.length];
        for (ExchangeOutcome.Cut reason : reasons) {
            if (reason != ExchangeOutcome.Cut.NONE && reason != ExchangeOutcome.Cut.TUNNEL) {
                cuts[reason.ordinal()] = cut.labelValues(reason.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        durations = new RequestDurations("carbon_http_request_duration_seconds",
                "time from the complete request head to the last response byte written (or the cut)");
        registry.register(durations);

        Counter acceptedCounter = counter("carbon_connections_accepted_total",
                "connections admitted by the connection limits, by transport", "transport");
        Counter negotiatedCounter = counter("carbon_connections_negotiated_total",
                "connections that took on a protocol: on TLS when ALPN completes; on the plain port h1 when"
                        + " accepted and h2 again when it switches to h2c", "transport", "protocol");
        accepted = new CounterDataPoint[TRANSPORTS.length];
        negotiated = new CounterDataPoint[TRANSPORTS.length][CONNECTION_PROTOCOLS.length];
        open = new LongAdder[TRANSPORTS.length][CONNECTION_PROTOCOLS.length];
        for (int t = 0; t < TRANSPORTS.length; t++) {
            accepted[t] = acceptedCounter.labelValues(TRANSPORTS[t]);
            for (int p = 0; p < CONNECTION_PROTOCOLS.length; p++) {
                open[t][p] = new LongAdder();
                if (p != HANDSHAKE) {
                    negotiated[t][p] = negotiatedCounter.labelValues(TRANSPORTS[t], CONNECTION_PROTOCOLS[p]);
                }
            }
        }
        register(GaugeWithCallback.builder(properties).name("carbon_connections_open")
                .help("connections open now, by transport and protocol (handshake = TLS before ALPN)")
                .labelNames("transport", "protocol")
                .callback(callback -> {
                    for (int t = 0; t < TRANSPORTS.length; t++) {
                        for (int p = 0; p < CONNECTION_PROTOCOLS.length; p++) {
                            if (t == 0 && p == HANDSHAKE) {
                                continue; // a plain connection never handshakes
                            }
                            callback.call(open[t][p].sum(), TRANSPORTS[t], CONNECTION_PROTOCOLS[p]);
                        }
                    }
                }).build());
        tlsHandshakes = counter("carbon_tls_handshakes_total", "TLS handshakes completed");
        tlsHandshakeFailures = counter("carbon_tls_handshake_failures_total",
                "TLS handshakes that failed: a bad or non-TLS first record, no common cipher or protocol, a timeout,"
                        + " or a client that closed before finishing");
        registerJvm();
    }

    // ---- per exchange ------------------------------------------------------------------------------------

    @Override
    public void exchangeCompleted(Request request, ExchangeOutcome outcome) {
        int protocol = request.protocol().ordinal();
        int statusClass = outcome.status() / 100 - 1;
        if (statusClass >= 0 && statusClass < STATUS_CLASSES.length) {
            requests[protocol][statusClass].inc();
        } else {
            // Not a status code a branch sends; resolved here, off the usual path, rather than dropped.
            requestsCounter.labelValues(request.protocol().logName(), "other").inc();
        }
        if (outcome.requestBodyBytes() > 0) {
            requestBytes[protocol].inc(outcome.requestBodyBytes());
        }
        if (outcome.responseBodyBytes() > 0) {
            responseBytes[protocol].inc(outcome.responseBodyBytes());
        }
        codings[codingIndex(outcome.contentEncoding())].inc();
        CounterDataPoint cut = cuts[outcome.cut().ordinal()];
        if (cut != null) {
            cut.inc();
        }
        durations.observe(outcome.nanos());
    }

    /** Compares with the tokens Carbon produces, in the case it writes them: no lower-casing, no allocation. */
    private static int codingIndex(String contentEncoding) {
        if (contentEncoding == null || contentEncoding.isEmpty()) {
            return IDENTITY;
        }
        for (int i = 1; i < OTHER_CODING; i++) {
            if (CODINGS[i].equalsIgnoreCase(contentEncoding)) {
                return i;
            }
        }
        return OTHER_CODING;
    }

    // ---- per connection ----------------------------------------------------------------------------------

    /** Where an open connection is counted now; changed and read on the connection's event loop only. */
    private static final class OpenConnection {
        final int transport;
        int protocol;

        OpenConnection(int transport, int protocol) {
            this.transport = transport;
            this.protocol = protocol;
        }
    }

    /**
     * A connection was admitted: counted as accepted and open until it closes. A plain one is HTTP/1.1 from
     * here on (until it switches to h2c); a TLS one is in its handshake until {@link #connectionProtocol}.
     */
    public void connectionAccepted(Channel channel, boolean tls) {
        int transport = tls ? 1 : 0;
        accepted[transport].inc();
        OpenConnection state = new OpenConnection(transport, tls ? HANDSHAKE : H1);
        open[transport][state.protocol].increment();
        if (!tls) {
            negotiated[transport][H1].inc();
        }
        channel.attr(OPEN).set(state);
        channel.closeFuture().addListener(future -> open[state.transport][state.protocol].decrement());
    }

    /** The connection's protocol is now known (ALPN) or changed (h2c prior knowledge, {@code Upgrade: h2c}). */
    public void connectionProtocol(Channel channel, boolean h2) {
        OpenConnection state = channel.attr(OPEN).get();
        int protocol = h2 ? H2 : H1;
        if (state == null || state.protocol == protocol) {
            return;
        }
        open[state.transport][state.protocol].decrement();
        state.protocol = protocol;
        open[state.transport][protocol].increment();
        negotiated[state.transport][protocol].inc();
    }

    /** A TLS handshake ended, well or not (Netty's {@code SslHandshakeCompletionEvent}: once per connection). */
    public void tlsHandshake(boolean succeeded) {
        (succeeded ? tlsHandshakes : tlsHandshakeFailures).inc();
    }

    // ---- features' own numbers, read when scraped --------------------------------------------------------

    /**
     * The file cache's numbers.
     *
     * @param hits      lookups answered from memory without touching the disk
     * @param misses    lookups that went to the disk (not cached, or due for revalidation)
     * @param evictions entries evicted to stay within {@code cache_max_bytes}
     * @param bytes     bytes held now (files, compressed variants)
     * @param entries   entries held now
     */
    public Metrics fileCache(LongSupplier hits, LongSupplier misses, LongSupplier evictions, LongSupplier bytes,
                             LongSupplier entries) {
        counterFrom("carbon_file_cache_hits_total", "file cache lookups answered from memory", hits);
        counterFrom("carbon_file_cache_misses_total",
                "file cache lookups that went to the disk (not cached, or due for revalidation)", misses);
        counterFrom("carbon_file_cache_evictions_total", "file cache entries evicted to stay within cache_max_bytes",
                evictions);
        gaugeFrom("carbon_file_cache_bytes", "bytes the file cache holds now (files and compressed variants)", bytes);
        gaugeFrom("carbon_file_cache_entries", "entries the file cache holds now", entries);
        return this;
    }

    /** @param limited requests answered 429 by the request rate limit */
    public Metrics rateLimit(LongSupplier limited) {
        counterFrom("carbon_rate_limited_requests_total", "requests refused with 429 by rate_limit_requests",
                limited);
        return this;
    }

    /**
     * WebSocket and channel numbers.
     *
     * @param sessions       WebSocket sessions open now (HTTP/1.1 and HTTP/2)
     * @param received       complete WebSocket messages received
     * @param sent           WebSocket messages sent
     * @param sseSubscribers Server-Sent Events streams subscribed to a channel now
     * @param channels       channels with at least one subscriber now
     */
    public Metrics webSockets(LongSupplier sessions, LongSupplier received, LongSupplier sent,
                              LongSupplier sseSubscribers, LongSupplier channels) {
        gaugeFrom("carbon_websocket_sessions", "WebSocket sessions open now", sessions);
        counterFrom("carbon_websocket_messages_received_total", "complete WebSocket messages received", received);
        counterFrom("carbon_websocket_messages_sent_total", "WebSocket messages sent", sent);
        gaugeFrom("carbon_sse_subscribers", "Server-Sent Events streams subscribed to a channel now", sseSubscribers);
        gaugeFrom("carbon_channels", "channels with at least one subscriber now", channels);
        return this;
    }

    /** @param droppedDatagrams WebTransport channel datagrams a congested member missed */
    public Metrics webTransport(LongSupplier droppedDatagrams) {
        counterFrom("carbon_webtransport_datagrams_dropped_total",
                "WebTransport channel datagrams a congested member missed (dropped, never queued)", droppedDatagrams);
        return this;
    }

    private void counterFrom(String name, String help, LongSupplier value) {
        register(CounterWithCallback.builder(properties).name(name).help(help)
                .callback(callback -> callback.call(value.getAsLong())).build());
    }

    private void gaugeFrom(String name, String help, LongSupplier value) {
        register(GaugeWithCallback.builder(properties).name(name).help(help)
                .callback(callback -> callback.call(value.getAsLong())).build());
    }

    // ---- JVM ---------------------------------------------------------------------------------------------

    /**
     * A few JVM numbers read from the management beans when scraped (the library's JVM module would add
     * dozens of series; these are the ones that explain a Carbon in trouble): heap and non-heap memory, the
     * JDK's direct and mapped buffer pools, Netty's own count of direct memory, GC counts and time, threads.
     */
    private void registerJvm() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        register(GaugeWithCallback.builder(properties).name("carbon_jvm_memory_used_bytes")
                .help("JVM memory in use, by area").labelNames("area")
                .callback(callback -> {
                    callback.call(memory.getHeapMemoryUsage().getUsed(), "heap");
                    callback.call(memory.getNonHeapMemoryUsage().getUsed(), "nonheap");
                }).build());
        register(GaugeWithCallback.builder(properties).name("carbon_jvm_memory_committed_bytes")
                .help("JVM memory committed by the operating system, by area").labelNames("area")
                .callback(callback -> {
                    callback.call(memory.getHeapMemoryUsage().getCommitted(), "heap");
                    callback.call(memory.getNonHeapMemoryUsage().getCommitted(), "nonheap");
                }).build());
        register(GaugeWithCallback.builder(properties).name("carbon_jvm_memory_max_bytes")
                .help("the most memory the JVM will use for the heap (-Xmx)").labelNames("area")
                .callback(callback -> {
                    MemoryUsage heap = memory.getHeapMemoryUsage();
                    if (heap.getMax() >= 0) {
                        callback.call(heap.getMax(), "heap");
                    }
                }).build());
        List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        register(GaugeWithCallback.builder(properties).name("carbon_jvm_buffer_pool_used_bytes")
                .help("memory used by the JDK's buffer pools (direct: ByteBuffer.allocateDirect; mapped: mmap)")
                .labelNames("pool")
                .callback(callback -> {
                    for (BufferPoolMXBean pool : pools) {
                        callback.call(pool.getMemoryUsed(), pool.getName());
                    }
                }).build());
        if (PlatformDependent.usedDirectMemory() >= 0) {
            // Only when Netty counts its own direct memory (it does when it allocates without the JDK's cleaner).
            gaugeFrom("carbon_netty_direct_memory_used_bytes", "direct memory Netty has allocated and not freed",
                    PlatformDependent::usedDirectMemory);
        }
        gaugeFrom("carbon_netty_direct_memory_max_bytes", "the direct memory limit Netty works within",
                PlatformDependent::maxDirectMemory);
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        register(CounterWithCallback.builder(properties).name("carbon_jvm_gc_collections_total")
                .help("garbage collections, by collector").labelNames("gc")
                .callback(callback -> {
                    for (GarbageCollectorMXBean gc : collectors) {
                        callback.call(Math.max(0, gc.getCollectionCount()), gc.getName());
                    }
                }).build());
        register(CounterWithCallback.builder(properties).name("carbon_jvm_gc_collection_seconds_total")
                .help("time spent in garbage collection, by collector").labelNames("gc")
                .callback(callback -> {
                    for (GarbageCollectorMXBean gc : collectors) {
                        callback.call(Math.max(0, gc.getCollectionTime()) / 1000.0, gc.getName());
                    }
                }).build());
        gaugeFrom("carbon_jvm_threads", "live JVM threads", () -> ManagementFactory.getThreadMXBean().getThreadCount());
        long started = ManagementFactory.getRuntimeMXBean().getStartTime();
        register(GaugeWithCallback.builder(properties).name("carbon_process_start_time_seconds")
                .help("when the JVM started, in seconds since the Unix epoch")
                .callback(callback -> callback.call(started / 1000.0)).build());
    }

    // ---- registry ----------------------------------------------------------------------------------------

    private Counter counter(String name, String help, String... labels) {
        Counter counter = Counter.builder(properties).name(name).help(help).labelNames(labels).withoutExemplars()
                .build();
        registry.register(counter);
        return counter;
    }

    private void register(io.prometheus.metrics.model.registry.Collector collector) {
        registry.register(collector);
    }

    /** Every metric, in the Prometheus text format 0.0.4 ({@link #CONTENT_TYPE}). */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
