package io.carbon.logging;

import io.carbon.config.LoggingConfig;
import io.carbon.http.ExchangeOutcome;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.carbon.config.LoggingConfig.AccessLogStyle.COMBINED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessLogTest {

    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-21T21:55:48.123Z"), ZoneOffset.UTC);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 5555);

    @TempDir
    Path dir;

    private final StringWriter serverLogText = new StringWriter();
    private final ServerLog serverLog = ServerLog.of(serverLogText, false, null, FIXED);
    private final List<AccessLog> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(AccessLog::close);
    }

    private AccessLog open(Path file, int capacity) {
        return track(AccessLog.open(file, capacity, serverLog, FIXED,
                f -> ServerLog.openAppendingStream(f, "access_log", 8192)));
    }

    private AccessLog track(AccessLog log) {
        opened.add(log);
        return log;
    }

    /** A GET from {@code CLIENT}; shared with JsonFormatTest. */
    static Request request(String target, HttpHeaders headers) {
        return Request.of(HttpMethod.GET, target, headers, HttpProtocol.HTTP_1_1, CLIENT, false);
    }

    static HttpHeaders headers(String referer, String userAgent) {
        // Without validation, like headers from a lenient peer or another protocol branch, so hostile values
        // reach the access log as they would in the worst case.
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        if (referer != null) {
            h.set(HttpHeaderNames.REFERER, referer);
        }
        if (userAgent != null) {
            h.set(HttpHeaderNames.USER_AGENT, userAgent);
        }
        return h;
    }

    private static String text(byte[] line) {
        return new String(line, StandardCharsets.US_ASCII);
    }

    /** What the branches used to report as status, body bytes and nanos: a normally completed exchange. */
    private static ExchangeOutcome outcome(int status, long bodyBytes, long nanos) {
        return new ExchangeOutcome(status, 0, bodyBytes, nanos, null, false, ExchangeOutcome.Cut.NONE);
    }

    private static String formatted(Request request) {
        return text(AccessLog.disabled().format(request, outcome(200, 1, 0), FIXED.millis()));
    }

    @Test
    void writesOneCombinedLineWithTimeTaken() throws IOException {
        Path file = dir.resolve("logs/access.log");
        HttpHeaders h = headers("http://ref.example/page", "Mozilla/5.0 (X11)");
        h.set(HttpHeaderNames.COOKIE, "session=SECRET-COOKIE-VALUE");
        h.set(HttpHeaderNames.AUTHORIZATION, "Basic U0VDUkVULUFVVEg=");
        AccessLog log = open(file, 1024);

        log.exchangeCompleted(request("/a?b=1", h), outcome(200, 1234, 3_999_999));
        log.close();

        String text = Files.readString(file);
        assertThat(text).isEqualTo("127.0.0.1 - - [21/Nov/2026:21:55:48 +0000] \"GET /a?b=1 HTTP/1.1\" 200 1234 "
                + "\"http://ref.example/page\" \"Mozilla/5.0 (X11)\" 0.003\n");
        assertThat(text).doesNotContain("SECRET-COOKIE-VALUE").doesNotContain("U0VDUkVULUFVVEg=");
    }

    @Test
    void missingFieldsAreDashesAndZeroBytesFollowPercentB() {
        String line = text(AccessLog.disabled().format(
                Request.of(HttpMethod.HEAD, "/", new DefaultHttpHeaders(), HttpProtocol.HTTP_2,
                        new InetSocketAddress("::1", 443), true),
                outcome(304, 0, 12_345_678_901L), FIXED.millis()));
        assertThat(line).isEqualTo("0:0:0:0:0:0:0:1 - - [21/Nov/2026:21:55:48 +0000] \"HEAD / HTTP/2.0\" 304 - "
                + "\"-\" \"-\" 12.345\n");
    }

    @Test
    void timestampIsPaddedAndCachedPerSecond() {
        assertThat(CombinedFormat.formatSecond(Instant.parse("2027-03-04T05:06:07Z").getEpochSecond()))
                .isEqualTo("04/Mar/2027:05:06:07 +0000");
        AccessLog log = AccessLog.disabled();
        Request r = request("/", headers(null, null));
        long t = Instant.parse("2027-03-04T05:06:07.999Z").toEpochMilli();
        assertThat(text(log.format(r, outcome(200, 1, 0), t))).contains("[04/Mar/2027:05:06:07 +0000]");
        assertThat(text(log.format(r, outcome(200, 1, 0), t + 1))).contains("[04/Mar/2027:05:06:08 +0000]");
        assertThat(text(log.format(r, outcome(200, 1, 0), t - 1000))).contains("[04/Mar/2027:05:06:06 +0000]");
    }

    @Test
    void hostileInputIsEscapedAndCannotForgeLines() {
        // What Netty hands over for raw UTF-8 bytes on the wire: one ISO-8859-1 char per byte.
        String rawUtf8 = new String("é".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        String line = formatted(request("/x\"y\\z?" + rawUtf8,
                headers("a\"b\\c", "evil\r\n127.0.0.1 - - [forged] \"GET / HTTP/1.1\" 200\u0000\u007f€😀")));

        assertThat(line).isEqualTo("127.0.0.1 - - [21/Nov/2026:21:55:48 +0000] "
                + "\"GET /x\\x22y\\x5Cz?\\xC3\\xA9 HTTP/1.1\" 200 1 "
                + "\"a\\x22b\\x5Cc\" "
                + "\"evil\\x0D\\x0A127.0.0.1 - - [forged] \\x22GET / HTTP/1.1\\x22 200\\x00\\x7F"
                + "\\xE2\\x82\\xAC\\xF0\\x9F\\x98\\x80\" 0.000\n");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        assertThat(line.chars()).allMatch(c -> c == '\n' || c >= 0x20 && c < 0x7F);
    }

    @Test
    void absurdlyLongFieldsAreTruncatedWithAMarker() {
        String ua = "a".repeat(AccessLogFormat.MAX_FIELD_CHARS + 5000);
        String line = formatted(request("/", headers(null, ua)));
        assertThat(line).contains(
                "\"" + "a".repeat(AccessLogFormat.MAX_FIELD_CHARS) + AccessLogFormat.TRUNCATED + "\" 0.000\n");
        assertThat(line).doesNotContain("a".repeat(AccessLogFormat.MAX_FIELD_CHARS + 1));
    }

    @Test
    void manyThreadsThenCloseLeavesEveryLine() throws Exception {
        Path file = dir.resolve("access.log");
        int threads = 8;
        int perThread = 12_500;
        // The queue holds every line, so even a stalled disk cannot make this test drop one.
        AccessLog log = open(file, threads * perThread);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    log.exchangeCompleted(request("/t" + id + "/" + i, headers(null, null)),
                            outcome(200, i, 1_000_000));
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        log.close();

        List<String> lines = Files.readAllLines(file);
        assertThat(log.droppedLines()).isZero();
        assertThat(log.failedLines()).isZero();
        assertThat(lines).hasSize(threads * perThread);
        Set<String> targets = new HashSet<>();
        for (String line : lines) {
            assertThat(line).startsWith("127.0.0.1 - - [21/Nov/2026:21:55:48 +0000] \"GET /t").endsWith(" 0.001");
            targets.add(line.substring(line.indexOf("GET "), line.indexOf(" HTTP/1.1")));
        }
        assertThat(targets).hasSize(threads * perThread);
    }

    @Test
    void fullQueueDropsAndCountsWithoutBlocking() throws Exception {
        Path file = dir.resolve("access.log");
        CountDownLatch writerEntered = new CountDownLatch(1);
        CountDownLatch releaseWriter = new CountDownLatch(1);
        AccessLog log = track(AccessLog.open(file, 1024, serverLog, FIXED, f -> new FilterOutputStream(
                ServerLog.openAppendingStream(f, "access_log", 8192)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                // The first line parks the writer thread here, as a disk that stopped answering would.
                writerEntered.countDown();
                try {
                    releaseWriter.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write(b, off, len);
            }
        }));
        Request r = request("/", headers(null, null));

        log.exchangeCompleted(r, outcome(200, 1, 0));
        assertThat(writerEntered.await(30, TimeUnit.SECONDS)).isTrue();
        // The writer holds the first line; the queue (exactly 1024, a power of two) takes 1024 more.
        for (int i = 0; i < 1024 + 100; i++) {
            log.exchangeCompleted(r, outcome(200, 1, 0));
        }
        assertThat(log.droppedLines()).isEqualTo(100);

        releaseWriter.countDown();
        log.close();
        assertThat(Files.readAllLines(file)).hasSize(1 + 1024);
        assertThat(log.droppedLines()).isEqualTo(100);
        assertThat(serverLogText.toString()).contains("WARN access log: 100 lines dropped").contains("100 in total");
    }

    @Test
    void reopenAfterRenameWritesToTheNewFile() throws IOException {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        AccessLog log = open(file, 1024);

        log.exchangeCompleted(request("/before", headers(null, null)), outcome(200, 1, 0));
        Files.move(file, rotated); // logrotate renames; the writer still holds the old inode
        log.reopen();
        log.exchangeCompleted(request("/after", headers(null, null)), outcome(200, 1, 0));
        log.close();

        assertThat(Files.readAllLines(rotated)).singleElement().asString().contains("GET /before ");
        assertThat(Files.readAllLines(file)).singleElement().asString().contains("GET /after ");
        assertThat(serverLogText.toString()).contains("INFO access log reopened: " + file);
    }

    @Test
    void closeIsIdempotentAndLaterLinesAreCountedAsDropped() throws IOException {
        Path file = dir.resolve("access.log");
        AccessLog log = open(file, 16);
        log.exchangeCompleted(request("/", headers(null, null)), outcome(200, 1, 0));
        log.close();
        log.close();
        log.exchangeCompleted(request("/late", headers(null, null)), outcome(200, 1, 0));
        log.reopen();
        assertThat(log.droppedLines()).isEqualTo(1);
        assertThat(Files.readAllLines(file)).hasSize(1);
    }

    @Test
    void writerThreadIsANamedDaemonThatEndsOnClose() {
        AccessLog log = open(dir.resolve("access.log"), 16);
        Thread writer = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("carbon-access-log")).findFirst().orElseThrow();
        assertThat(writer.isDaemon()).isTrue();
        log.close();
        assertThat(writer.isAlive()).isFalse();
    }

    @Test
    void writeErrorsAreCountedAndReported() throws IOException {
        AccessLog log = track(AccessLog.open(dir.resolve("access.log"), 16, serverLog, FIXED, f -> new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        }));
        log.exchangeCompleted(request("/", headers(null, null)), outcome(200, 1, 0));
        log.exchangeCompleted(request("/", headers(null, null)), outcome(200, 1, 0));
        log.close();
        // The first line fails the write; the second finds no writer (reopening waits a few seconds).
        assertThat(log.failedLines()).isEqualTo(2);
        assertThat(serverLogText.toString()).contains("ERROR access log: cannot write to").contains("No space left");
    }

    @Test
    void nullAccessLogMeansDisabled() {
        AccessLog log = AccessLog.open(
                new LoggingConfig(dir.resolve("server.log"), null, COMBINED, 1024, false), serverLog);
        assertThat(log.isEnabled()).isFalse();
        log.exchangeCompleted(request("/", headers(null, null)), outcome(200, 1, 0));
        log.reopen();
        log.close();
        assertThat(log.droppedLines()).isZero();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void unopenablePathFailsAtOpenWithThePath() {
        assertThatThrownBy(() -> AccessLog.open(new LoggingConfig(null, dir, COMBINED, 1024, false), serverLog))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("access_log " + dir)
                .hasMessageContaining("Is a directory");
    }

    @Test
    void queueCapacityMustBePositive() {
        assertThatThrownBy(() -> AccessLog.open(dir.resolve("a.log"), 0, serverLog))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
