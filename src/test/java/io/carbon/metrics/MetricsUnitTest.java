package io.carbon.metrics;

import io.carbon.http.ClientConnection;
import io.carbon.http.ExchangeListener;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The listener's counting, the histogram's buckets, and the fan-out of listeners, without a server. */
class MetricsUnitTest {

    private static Request request(HttpProtocol protocol) {
        return Request.of(HttpMethod.GET, "/", new DefaultHttpHeaders(), protocol,
                ClientConnection.accepted(new InetSocketAddress("127.0.0.1", 1234), false), null);
    }

    private static ExchangeOutcome outcome(int status, long in, long out, long nanos, String coding,
                                           ExchangeOutcome.Cut cut) {
        return new ExchangeOutcome(status, in, out, nanos, coding, false, cut);
    }

    private static Exposition scrape(Metrics metrics) {
        return Exposition.parse(new String(metrics.scrape(), StandardCharsets.UTF_8));
    }

    @Test
    void exchangesAreCountedByProtocolStatusClassCodingAndCut() {
        Metrics metrics = new Metrics();
        metrics.exchangeCompleted(request(HttpProtocol.HTTP_1_1), outcome(200, 0, 100, 1_000, null,
                ExchangeOutcome.Cut.NONE));
        metrics.exchangeCompleted(request(HttpProtocol.HTTP_2), outcome(404, 7, 50, 1_000, "br",
                ExchangeOutcome.Cut.NONE));
        metrics.exchangeCompleted(request(HttpProtocol.HTTP_2), outcome(499, 0, 0, 1_000, "gzip",
                ExchangeOutcome.Cut.CLIENT_GONE));
        metrics.exchangeCompleted(request(HttpProtocol.HTTP_1_0), outcome(101, 0, 0, 1_000, null,
                ExchangeOutcome.Cut.TUNNEL));
        Exposition e = scrape(metrics);
        assertThat(e.value("carbon_http_requests_total", "protocol", "HTTP/1.1", "status_class", "2xx")).isEqualTo(1);
        assertThat(e.value("carbon_http_requests_total", "protocol", "HTTP/2.0", "status_class", "4xx")).isEqualTo(2);
        assertThat(e.value("carbon_http_requests_total", "protocol", "HTTP/1.0", "status_class", "1xx")).isEqualTo(1);
        assertThat(e.value("carbon_http_response_body_bytes_total", "protocol", "HTTP/1.1")).isEqualTo(100);
        assertThat(e.value("carbon_http_response_body_bytes_total", "protocol", "HTTP/2.0")).isEqualTo(50);
        assertThat(e.value("carbon_http_request_body_bytes_total", "protocol", "HTTP/2.0")).isEqualTo(7);
        assertThat(e.value("carbon_http_responses_by_coding_total", "coding", "identity")).isEqualTo(2);
        assertThat(e.value("carbon_http_responses_by_coding_total", "coding", "br")).isEqualTo(1);
        assertThat(e.value("carbon_http_responses_by_coding_total", "coding", "gzip")).isEqualTo(1);
        assertThat(e.value("carbon_http_exchanges_cut_total", "reason", "client_gone")).isEqualTo(1);
        assertThat(e.has("carbon_http_exchanges_cut_total", "reason", "tunnel")).isFalse();
        assertThat(e.value("carbon_http_request_duration_seconds_count")).isEqualTo(4);
    }

    @Test
    void durationsFallIntoTheirBucketsInclusiveOfTheBound() {
        RequestDurations durations = new RequestDurations("d_seconds", "test");
        durations.observe(TimeUnit.MICROSECONDS.toNanos(500)); // exactly 0.0005: the first bucket
        durations.observe(TimeUnit.MICROSECONDS.toNanos(501));
        durations.observe(TimeUnit.SECONDS.toNanos(11)); // above the largest bound
        durations.observe(-5); // a clock step backwards counts as 0
        Metrics metrics = new Metrics();
        Exposition e = Exposition.parse(scrapeOf(durations));
        assertThat(e.value("d_seconds_bucket", "le", "5.0E-4")).isEqualTo(2);
        assertThat(e.value("d_seconds_bucket", "le", "0.001")).isEqualTo(3);
        assertThat(e.value("d_seconds_bucket", "le", "10.0")).isEqualTo(3);
        assertThat(e.value("d_seconds_bucket", "le", "+Inf")).isEqualTo(4);
        assertThat(e.value("d_seconds_count")).isEqualTo(4);
        assertThat(e.value("d_seconds_sum")).isCloseTo(11.001001, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(metrics).isNotNull();
    }

    private static String scrapeOf(RequestDurations durations) {
        io.prometheus.metrics.model.registry.PrometheusRegistry registry =
                new io.prometheus.metrics.model.registry.PrometheusRegistry();
        registry.register(durations);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(out, registry.scrape(),
                    io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void featureNumbersAreReadWhenScraped() {
        long[] hits = {3};
        Metrics metrics = new Metrics().fileCache(() -> hits[0], () -> 2, () -> 1, () -> 4096, () -> 5)
                .rateLimit(() -> 9).webSockets(() -> 2, () -> 10, () -> 11, () -> 1, () -> 1);
        assertThat(scrape(metrics).value("carbon_file_cache_hits_total")).isEqualTo(3);
        hits[0] = 8;
        Exposition e = scrape(metrics);
        assertThat(e.value("carbon_file_cache_hits_total")).isEqualTo(8);
        assertThat(e.type("carbon_file_cache_hits_total")).isEqualTo("counter");
        assertThat(e.value("carbon_file_cache_bytes")).isEqualTo(4096);
        assertThat(e.type("carbon_file_cache_bytes")).isEqualTo("gauge");
        assertThat(e.value("carbon_rate_limited_requests_total")).isEqualTo(9);
        assertThat(e.value("carbon_websocket_messages_sent_total")).isEqualTo(11);
        assertThat(e.value("carbon_sse_subscribers")).isEqualTo(1);
    }

    @Test
    void allTellsEveryListenerInOrder() {
        List<String> told = new ArrayList<>();
        ExchangeListener first = (request, outcome) -> told.add("first");
        ExchangeListener second = (request, outcome) -> told.add("second");
        ExchangeListener third = (request, outcome) -> told.add("third");
        ExchangeOutcome outcome = outcome(200, 0, 0, 0, null, ExchangeOutcome.Cut.NONE);
        ExchangeListener.all(List.of(first, second)).exchangeCompleted(request(HttpProtocol.HTTP_1_1), outcome);
        ExchangeListener.all(List.of(first, second, third)).exchangeCompleted(request(HttpProtocol.HTTP_1_1), outcome);
        assertThat(told).containsExactly("first", "second", "first", "second", "third");
        assertThat(ExchangeListener.all(List.of(first))).isSameAs(first);
    }
}
