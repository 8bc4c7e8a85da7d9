package io.carbon.staticfiles;

import io.carbon.http.HttpProtocol;
import io.carbon.compression.Compressors;
import io.carbon.config.CompressionConfig;
import io.carbon.config.FileCacheConfig;
import io.carbon.config.FilesConfig;
import io.carbon.http.Body;
import io.carbon.http.Exchanges;
import io.carbon.http.Request;
import io.carbon.http.RouteTable;
import io.carbon.http.Response;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** File semantics on the disk path (no cache, no compression); the cache has its own tests. */
class StaticFileHandlerTest {

    static final FileCacheConfig NO_CACHE = new FileCacheConfig(0, 0, Duration.ZERO);
    static final CompressionPolicy NO_COMPRESSION = new CompressionPolicy(
            new CompressionConfig(false, List.of(), 6, 6, 6, List.of(), 1024, false), new Compressors(6, 6, 6));

    static final String CONTENT = "<!doctype html><p>hello</p>\n"; // 28 bytes
    static final Instant MTIME = Instant.parse("2024-05-01T10:00:00Z");
    static final long NOW = MTIME.getEpochSecond() + 3600;

    @TempDir
    Path tmp;
    Path root;
    ExecutorService pool;
    AtomicReference<Thread> poolThread = new AtomicReference<>();
    /** Every channel the handler opened, to check none leaks. */
    List<FileChannel> opened = new ArrayList<>();
    StaticFileHandler handler;
    List<Response> responses = new ArrayList<>();
    /** What the handler told the server log's warnings, and the clock its rate limit reads. */
    List<String> warnings = new ArrayList<>();
    AtomicLong nanos = new AtomicLong(1_000_000_000L);
    /** What Exchanges reported to the server log's errors: the request and the cause. */
    List<Map.Entry<Request, Throwable>> errors = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("www"));
        write("index.html", CONTENT);
        write("docs/index.html", "docs index");
        Files.createDirectories(root.resolve("empty-dir"));
        write("empty.txt", "");
        write("alphabet.txt", "abcdefghijklmnopqrstuvwxyz");
        write(".env", "SECRET=1");
        write("blob", "plain words without an extension\n");
        write("sp ace/f.txt", "space");
        pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "blocking-pool");
            poolThread.set(t);
            return t;
        });
        handler = handler(new FilesConfig(root, List.of("missing.html", "index.html"), true, false, "no-cache"),
                p -> {
                    FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
                    opened.add(ch);
                    return ch;
                });
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Response r : responses) {
            r.body().release();
        }
        pool.shutdownNow();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(opened).allMatch(ch -> !ch.isOpen());
    }

    @Test
    void aFullBlockingPoolFailsTheFutureForTheSharedLoadSheddingAnswer() {
        StaticFileHandler rejecting = new StaticFileHandler(
                new FilesConfig(root, List.of("index.html"), true, false, "no-cache"), NO_CACHE, NO_COMPRESSION,
                task -> { throw new java.util.concurrent.RejectedExecutionException("full"); },
                new MimeTypes(), p -> FileChannel.open(p), () -> NOW, System::nanoTime, warning -> { });
        var future = rejecting.handle(io.carbon.http.Request.of(HttpMethod.GET, "/index.html",
                new io.netty.handler.codec.http.DefaultHttpHeaders(), HttpProtocol.HTTP_1_1,
                new java.net.InetSocketAddress("127.0.0.1", 1), false));
        org.assertj.core.api.Assertions.assertThatThrownBy(future::join)
                .hasCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    private StaticFileHandler handler(FilesConfig config, StaticFileHandler.FileOpener opener) {
        return new StaticFileHandler(config, NO_CACHE, NO_COMPRESSION, pool, new MimeTypes(), opener, () -> NOW,
                nanos::get, warnings::add);
    }

    private void write(String name, String content) throws IOException {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.from(MTIME));
    }

    private Response get(String target, String... headerPairs) throws Exception {
        return call(HttpMethod.GET, target, headerPairs);
    }

    private Response call(HttpMethod method, String target, String... headerPairs) throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < headerPairs.length; i += 2) {
            headers.add(headerPairs[i], headerPairs[i + 1]);
        }
        Request request = Request.of(method, target, headers, HttpProtocol.HTTP_1_1, new InetSocketAddress("127.0.0.1", 1234), false);
        Response response = handler.handle(request).get(10, TimeUnit.SECONDS);
        responses.add(response);
        return response;
    }

    private static String text(Response response) throws IOException {
        return new String(Bodies.bytes(response.body()), StandardCharsets.UTF_8);
    }

    @Test
    void servesAFileWithAllHeadersAndAZeroCopyBody() throws Exception {
        Response r = get("/index.html?query=ignored");
        assertThat(r.status().code()).isEqualTo(200);
        HttpHeaders h = r.headers();
        assertThat(h.get("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(h.get("Content-Length")).isEqualTo("28");
        assertThat(h.get("ETag")).matches("\"1c-[0-9a-f]+-[0-9a-f]+\"");
        assertThat(h.get("Last-Modified")).isEqualTo("Wed, 01 May 2024 10:00:00 GMT");
        assertThat(h.get("Accept-Ranges")).isEqualTo("bytes");
        assertThat(h.get("Cache-Control")).isEqualTo("no-cache");
        assertThat(h.contains("Date")).isFalse();
        assertThat(h.contains("Server")).isFalse();
        assertThat(r.body()).isInstanceOf(Body.FileSegment.class);
        assertThat(r.body().length()).isEqualTo(28);
        assertThat(text(r)).isEqualTo(CONTENT);
    }

    @Test
    void completesOnTheBlockingPool() throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders();
        Request request = Request.of(HttpMethod.GET, "/index.html", headers, HttpProtocol.HTTP_1_1,
                new InetSocketAddress("127.0.0.1", 1234), false);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        // Block the single pool thread so the future cannot complete on the caller's thread by accident.
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        pool.execute(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        var future = handler.handle(request).whenComplete((resp, e) -> ranOn.set(Thread.currentThread()));
        assertThat(future).isNotDone();
        gate.countDown();
        Response r = future.get(10, TimeUnit.SECONDS);
        responses.add(r);
        assertThat(ranOn.get()).isSameAs(poolThread.get());
    }

    @Test
    void headSendsHeadersAndFullLengthWithoutOpeningTheFile() throws Exception {
        Response r = call(HttpMethod.HEAD, "/index.html", "Range", "bytes=0-3");
        // Range is ignored for HEAD (RFC 9110 §14.2): 200 with the full length.
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.headers().get("Content-Length")).isEqualTo("28");
        assertThat(r.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(r.headers().contains("Content-Range")).isFalse();
        assertThat(r.body()).isEqualTo(Body.EMPTY);
        assertThat(opened).isEmpty();
    }

    @Test
    void rootServesTheFirstExistingIndexFile() throws Exception {
        Response r = get("/");
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(text(r)).isEqualTo(CONTENT);
        assertThat(r.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
    }

    @ParameterizedTest(name = "{0} -> 301 {1}")
    @CsvSource(delimiter = '|', value = {
            "/docs           | /docs/",
            "/docs?a=1&b=%20 | /docs/?a=1&b=%20",
            "/sp%20ace       | /sp%20ace/",
            "//docs          | /docs/",
            "/empty-dir      | /empty-dir/",
    })
    void directoryWithoutSlashRedirects(String target, String location) throws Exception {
        Response r = get(target);
        assertThat(r.status().code()).isEqualTo(301);
        assertThat(r.headers().get("Location")).isEqualTo(location);
        assertThat(r.body()).isEqualTo(Body.EMPTY);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/docs/             | 200",
            "/empty-dir/        | 404",
            "/index.html/       | 404",
            "/index.html/x      | 404",
            "/missing.txt       | 404",
            "/.env              | 404",
            "/%2e%2e/etc/passwd | 400",
            "/../etc/passwd     | 400",
            "/a%00              | 400",
            "/%252e%252e        | 404",
            "/sp%20ace/f.txt    | 200",
    })
    void statuses(String target, int status) throws Exception {
        Response r = get(target);
        assertThat(r.status().code()).isEqualTo(status);
        if (status != 200) {
            assertThat(r.body()).isEqualTo(Body.EMPTY);
        }
    }

    @Test
    void symlinkOutsideRootIsNotFoundUnlessAllowed() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(root.resolve("link.txt"), secret);
        assertThat(get("/link.txt").status().code()).isEqualTo(404);

        handler = handler(new FilesConfig(root, List.of("index.html"), true, true, ""), p -> {
            FileChannel ch = FileChannel.open(p);
            opened.add(ch);
            return ch;
        });
        Response r = get("/link.txt");
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(text(r)).isEqualTo("secret");
        assertThat(r.headers().contains("Cache-Control")).isFalse();
    }

    @Test
    void indexSymlinkOutsideRootIsSkipped() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.html"), "secret");
        Files.createDirectories(root.resolve("d"));
        Files.createSymbolicLink(root.resolve("d/index.html"), secret);
        assertThat(get("/d/").status().code()).isEqualTo(404);
    }

    @Test
    void nonRegularFilesAreNotFound() throws Exception {
        Path fifo = root.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        assertThat(get("/pipe").status().code()).isEqualTo(404);
        assertThat(opened).isEmpty();
    }

    @Test
    void permissionDeniedIsForbidden() throws Exception {
        handler = handler(new FilesConfig(root, List.of("index.html"), true, false, ""), p -> {
            throw new AccessDeniedException(p.toString());
        });
        Response r = get("/index.html");
        assertThat(r.status().code()).isEqualTo(403);
        assertThat(r.body()).isEqualTo(Body.EMPTY);
    }

    @Test
    void unknownNameIsSniffedForGetAndHeadAlike() throws Exception {
        assertThat(get("/blob").headers().get("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(call(HttpMethod.HEAD, "/blob").headers().get("Content-Type")).isEqualTo("text/plain; charset=utf-8");
    }

    // --- conditional requests

    @Test
    void ifNoneMatchGives304WithValidatorsAndNoContentLength() throws Exception {
        String etag = get("/index.html").headers().get("ETag");
        Response r = get("/index.html", "If-None-Match", "\"nope\", " + etag);
        assertThat(r.status().code()).isEqualTo(304);
        assertThat(r.headers().get("ETag")).isEqualTo(etag);
        assertThat(r.headers().get("Last-Modified")).isEqualTo("Wed, 01 May 2024 10:00:00 GMT");
        assertThat(r.headers().get("Cache-Control")).isEqualTo("no-cache");
        assertThat(r.headers().contains("Content-Length")).isFalse();
        assertThat(r.body()).isEqualTo(Body.EMPTY);
    }

    @Test
    void ifModifiedSinceGives304() throws Exception {
        assertThat(get("/index.html", "If-Modified-Since", "Wed, 01 May 2024 10:00:00 GMT").status().code()).isEqualTo(304);
        assertThat(get("/index.html", "If-Modified-Since", "Wed, 01 May 2024 09:59:59 GMT").status().code()).isEqualTo(200);
    }

    @Test
    void ifMatchMismatchGives412() throws Exception {
        Response r = get("/index.html", "If-Match", "\"other\"");
        assertThat(r.status().code()).isEqualTo(412);
        assertThat(r.body()).isEqualTo(Body.EMPTY);
        assertThat(get("/index.html", "If-Unmodified-Since", "Wed, 01 May 2024 09:00:00 GMT").status().code())
                .isEqualTo(412);
    }

    // --- ranges

    @Test
    void singleRange() throws Exception {
        Response r = get("/alphabet.txt", "Range", "bytes=2-4");
        assertThat(r.status().code()).isEqualTo(206);
        assertThat(r.headers().get("Content-Range")).isEqualTo("bytes 2-4/26");
        assertThat(r.headers().get("Content-Length")).isEqualTo("3");
        assertThat(r.headers().get("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.headers().get("Accept-Ranges")).isEqualTo("bytes");
        assertThat(text(r)).isEqualTo("cde");
        assertThat(get("/alphabet.txt", "Range", "bytes=-3").headers().get("Content-Range")).isEqualTo("bytes 23-25/26");
    }

    @Test
    void multipleRangesAreMultipartWithOwnChannels() throws Exception {
        Response r = get("/alphabet.txt", "Range", "bytes=0-1, 24-");
        assertThat(r.status().code()).isEqualTo(206);
        String contentType = r.headers().get("Content-Type");
        assertThat(contentType).startsWith("multipart/byteranges; boundary=");
        String boundary = contentType.substring(contentType.indexOf('=') + 1);
        String expected = "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/26\r\n\r\nab"
                + "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 24-25/26\r\n\r\nyz"
                + "\r\n--" + boundary + "--\r\n";
        assertThat(text(r)).isEqualTo(expected);
        assertThat(r.headers().get("Content-Length")).isEqualTo(String.valueOf(expected.length()));
        assertThat(r.headers().contains("Content-Range")).isFalse();
        // The channel opened for the 200 path was closed; each part has its own.
        List<FileChannel> segments = ((Body.Parts) r.body()).parts().stream()
                .filter(Body.FileSegment.class::isInstance).map(b -> ((Body.FileSegment) b).channel()).toList();
        assertThat(segments).hasSize(2).doesNotHaveDuplicates().allMatch(FileChannel::isOpen);
        assertThat(opened.stream().filter(FileChannel::isOpen).toList()).containsExactlyInAnyOrderElementsOf(segments);
    }

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "bytes=26-        | /alphabet.txt | 416 | bytes */26",
            "bytes=0-         | /empty.txt    | 416 | bytes */0",
            "bytes=x          | /alphabet.txt | 200 | ",
            "lines=1-2        | /alphabet.txt | 200 | ",
            "bytes=0-10,5-15  | /alphabet.txt | 200 | ",
    })
    void unsatisfiableAndIgnoredRanges(String range, String path, int status, String contentRange) throws Exception {
        Response r = get(path, "Range", range);
        assertThat(r.status().code()).isEqualTo(status);
        assertThat(r.headers().get("Content-Range")).isEqualTo(contentRange);
        if (status == 416) {
            assertThat(r.body()).isEqualTo(Body.EMPTY);
        } else {
            assertThat(Bodies.bytes(r.body())).isEqualTo(Files.readAllBytes(root.resolve(path.substring(1))));
        }
    }

    @Test
    void ifRangeMismatchSendsEverything() throws Exception {
        String etag = get("/alphabet.txt").headers().get("ETag");
        assertThat(get("/alphabet.txt", "Range", "bytes=0-0", "If-Range", etag).status().code()).isEqualTo(206);
        assertThat(get("/alphabet.txt", "Range", "bytes=0-0", "If-Range", "\"stale\"").status().code()).isEqualTo(200);
        assertThat(get("/alphabet.txt", "Range", "bytes=0-0", "If-Range", "Wed, 01 May 2024 10:00:00 GMT")
                .status().code()).isEqualTo(206);
        assertThat(get("/alphabet.txt", "Range", "bytes=0-0", "If-Range", "Wed, 01 May 2024 10:00:01 GMT")
                .status().code()).isEqualTo(200);
    }

    @Test
    void notModifiedWinsOverRange() throws Exception {
        String etag = get("/alphabet.txt").headers().get("ETag");
        assertThat(get("/alphabet.txt", "Range", "bytes=0-0", "If-None-Match", etag).status().code()).isEqualTo(304);
    }

    // --- disk errors

    /** The handler behind the exchange owner, as CarbonServer composes them, so failures are seen as they are. */
    private Response throughExchanges(String target) throws Exception {
        Exchanges exchanges = new Exchanges(RouteTable.of("static files", handler), null, (r, outcome) -> { },
                (request, failure) -> errors.add(Map.entry(request, failure)), 1024);
        Request request = Request.of(HttpMethod.GET, target, new DefaultHttpHeaders(), HttpProtocol.HTTP_1_1,
                new InetSocketAddress("127.0.0.1", 1234), false);
        Response response = exchanges.answer(request).get(10, TimeUnit.SECONDS);
        responses.add(response);
        return response;
    }

    private void failOpens(Function<Path, IOException> failure) {
        handler = handler(new FilesConfig(root, List.of("index.html"), true, false, ""), p -> {
            throw failure.apply(p);
        });
    }

    static Stream<Arguments> diskErrors() {
        return Stream.of(
                // errno, what open(2) failed with, the status, Retry-After, errors logged, warnings logged
                Arguments.of("EMFILE", (Function<Path, IOException>) p -> new FileSystemException(p.toString(), null,
                        "Too many open files"), 503, "1", 0, 1),
                Arguments.of("ENFILE", (Function<Path, IOException>) p -> new FileSystemException(p.toString(), null,
                        "Too many open files in system"), 503, "1", 0, 1),
                Arguments.of("EMFILE, wrapped", (Function<Path, IOException>) p -> new IOException("open failed",
                        new FileSystemException(p.toString(), null, "Too many open files")), 503, "1", 0, 1),
                Arguments.of("EIO", (Function<Path, IOException>) p -> new IOException("Input/output error"),
                        500, null, 1, 0),
                Arguments.of("EIO, from the file system", (Function<Path, IOException>) p ->
                        new FileSystemException(p.toString(), null, "Input/output error"), 500, null, 1, 0),
                Arguments.of("EACCES", (Function<Path, IOException>) p -> new AccessDeniedException(p.toString()),
                        403, null, 0, 0),
                Arguments.of("ENOENT, removed after stat", (Function<Path, IOException>) p ->
                        new NoSuchFileException(p.toString()), 404, null, 0, 0));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("diskErrors")
    void diskErrorsGetTheirStatusAndAreLoggedWhenUnexpected(String errno, Function<Path, IOException> failure,
                                                           int status, String retryAfter, int logged, int warned)
            throws Exception {
        failOpens(failure);
        Response r = throughExchanges("/index.html");
        assertThat(r.status().code()).isEqualTo(status);
        assertThat(r.headers().get("Retry-After")).isEqualTo(retryAfter);
        assertThat(errors).hasSize(logged);
        assertThat(warnings).hasSize(warned);
    }

    @Test
    void anUnexpectedDiskErrorFailsTheFutureSoItIsLoggedOnceWithItsCauseAndRequest() throws Exception {
        IOException eio = new IOException("Input/output error");
        failOpens(p -> eio);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> get("/index.html"))
                .rootCause().isSameAs(eio);

        Response r = throughExchanges("/alphabet.txt?x=1");
        assertThat(r.status().code()).isEqualTo(500);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).getKey().method()).isEqualTo(HttpMethod.GET);
        assertThat(errors.get(0).getKey().target()).isEqualTo("/alphabet.txt?x=1");
        assertThat(errors.get(0).getValue()).isSameAs(eio);
        assertThat(warnings).isEmpty();
    }

    @Test
    void runningOutOfDescriptorsWarnsOncePerIntervalWithACount() throws Exception {
        failOpens(p -> new FileSystemException(p.toString(), null, "Too many open files"));
        for (int i = 0; i < 5; i++) {
            assertThat(throughExchanges("/index.html").status().code()).isEqualTo(503);
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("out of file descriptors", "1 request(s)", "GET /index.html",
                "Too many open files", "LimitNOFILE");

        nanos.addAndGet(OutOfDescriptors.LOG_INTERVAL_NANOS - 1);
        assertThat(throughExchanges("/alphabet.txt").status().code()).isEqualTo(503);
        assertThat(warnings).as("still within the interval").hasSize(1);

        nanos.addAndGet(1);
        assertThat(throughExchanges("/alphabet.txt").status().code()).isEqualTo(503);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(1)).contains("6 request(s)", "GET /alphabet.txt");
        assertThat(errors).as("load, not a fault: never an error line").isEmpty();
    }
}
