package io.carbon.staticfiles;

import io.carbon.http.HttpProtocol;
import com.aayushatharva.brotli4j.decoder.Decoder;
import io.carbon.compression.Compressors;
import io.carbon.config.CompressionConfig;
import io.carbon.config.FileCacheConfig;
import io.carbon.config.FilesConfig;
import io.carbon.http.Body;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.testing.Poll;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The file cache through the handler: answers from memory, freshness within cache_revalidate_ms for every way
 * a file can change, negative caching, the byte budget, compressed variants made once, sidecars, and large
 * files streamed through gzip. The clock is driven by the test; the pool is real.
 */
class FileCacheTest {

    static final Instant MTIME = Instant.parse("2024-05-01T10:00:00Z");
    static final long NOW = MTIME.getEpochSecond() + 3600;
    static final long REVALIDATE_MS = 1000;
    static final String TEXT = "body { color: red; }\n".repeat(200); // 4200 bytes, compresses well

    @TempDir
    Path tmp;
    Path root;
    ExecutorService pool;
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final AtomicInteger opens = new AtomicInteger();
    final List<FileChannel> opened = new ArrayList<>();
    final List<Response> responses = new ArrayList<>();
    /** Opens of the paths it matches fail as if the process were out of descriptors (EMFILE). */
    volatile Predicate<Path> outOfDescriptors = path -> false;
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    StaticFileHandler handler;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(tmp.resolve("www"));
        pool = Executors.newFixedThreadPool(2);
        handler = handler(new FileCacheConfig(1 << 20, 64 * 1024, Duration.ofMillis(REVALIDATE_MS)), true, true);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Response response : responses) {
            response.body().release();
        }
        handler.close();
        pool.shutdownNow();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        synchronized (opened) {
            assertThat(opened).allMatch(channel -> !channel.isOpen());
        }
    }

    private StaticFileHandler handler(FileCacheConfig cache, boolean compress, boolean precompressed) {
        return handler(cache, new CompressionConfig(compress, List.of("gzip"), 6, 6, 6, List.of("text/*"), 1024,
                precompressed));
    }

    private StaticFileHandler handler(FileCacheConfig cache, CompressionConfig compression) {
        return handler(cache, compression, pool);
    }

    private StaticFileHandler handler(FileCacheConfig cache, CompressionConfig compression, Executor blocking) {
        return new StaticFileHandler(new FilesConfig(root, List.of("index.html"), true, false, "no-cache"), cache,
                new CompressionPolicy(compression, new Compressors(compression.gzipLevel(),
                        compression.brotliLevel(), compression.zstdLevel())), blocking, new MimeTypes(), path -> {
                    opens.incrementAndGet();
                    if (outOfDescriptors.test(path)) {
                        throw new FileSystemException(path.toString(), null, "Too many open files");
                    }
                    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
                    synchronized (opened) {
                        opened.add(channel);
                    }
                    return channel;
                }, () -> NOW, nanos::get, warnings::add);
    }

    private Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8), MTIME);
    }

    private Path write(String name, byte[] content, Instant mtime) throws IOException {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.from(mtime));
        return file;
    }

    private void advance(long millis) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private CompletableFuture<Response> start(HttpMethod method, String target, String... headerPairs) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < headerPairs.length; i += 2) {
            headers.add(headerPairs[i], headerPairs[i + 1]);
        }
        return handler.handle(Request.of(method, target, headers, HttpProtocol.HTTP_1_1,
                new InetSocketAddress("127.0.0.1", 1234), false));
    }

    private Response get(String target, String... headerPairs) throws Exception {
        Response response = start(HttpMethod.GET, target, headerPairs).get(10, TimeUnit.SECONDS);
        responses.add(response);
        return response;
    }

    /** A request the cache must answer at once, on the calling thread, without opening anything. */
    private Response fromMemory(String target, String... headerPairs) throws Exception {
        int before = opens.get();
        CompletableFuture<Response> future = start(HttpMethod.GET, target, headerPairs);
        assertThat(future).as("answered synchronously from the cache").isDone();
        Response response = future.get();
        responses.add(response);
        assertThat(opens.get()).as("no file opened").isEqualTo(before);
        return response;
    }

    /** Asks from memory until the brotli 11 variant replaced the interim brotli 5 one; returns that answer. */
    private Response awaitRefined(String target) throws Exception {
        Response[] last = new Response[1];
        Poll.untilChecked("the refined brotli variant of " + target + " (etag)", () -> {
            last[0] = fromMemory(target, "Accept-Encoding", "br");
            return last[0].headers().get("etag");
        }, etag -> !etag.endsWith("-br5\""));
        return last[0];
    }

    private static String text(Response response) throws IOException {
        return new String(Bodies.bytes(response.body()), StandardCharsets.UTF_8);
    }

    private static byte[] unbrotli(Response response) throws IOException {
        return Decoder.decompress(Bodies.bytes(response.body())).getDecompressedData();
    }

    private static byte[] gunzip(Response response) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Bodies.bytes(response.body())))) {
            return in.readAllBytes();
        }
    }

    // ---- answering from memory -----------------------------------------------------------------------

    @Test
    void aSecondRequestIsAnsweredFromMemoryWithTheSameHeaders() throws Exception {
        write("a.html", "<p>cached</p>");
        Response first = get("/a.html");
        Response second = fromMemory("/a.html");
        assertThat(text(second)).isEqualTo("<p>cached</p>");
        assertThat(second.body()).isInstanceOf(Body.Bytes.class);
        for (String name : List.of("etag", "last-modified", "content-type", "content-length", "cache-control",
                "accept-ranges")) {
            assertThat(second.headers().get(name)).as(name).isEqualTo(first.headers().get(name));
        }
    }

    @Test
    void indexFilesHeadRangesAndConditionalsAreAnsweredFromMemoryToo() throws Exception {
        write("docs/index.html", "0123456789");
        Response full = get("/docs/");
        assertThat(text(full)).isEqualTo("0123456789");
        String etag = full.headers().get("etag");
        assertThat(text(fromMemory("/docs/", "Range", "bytes=2-4"))).isEqualTo("234");
        assertThat(fromMemory("/docs/", "If-None-Match", etag).status().code()).isEqualTo(304);
        int before = opens.get();
        CompletableFuture<Response> head = start(HttpMethod.HEAD, "/docs/");
        assertThat(head).isDone();
        assertThat(head.get().headers().get("content-length")).isEqualTo("10");
        assertThat(head.get().body()).isInstanceOf(Body.Empty.class);
        assertThat(opens.get()).isEqualTo(before);
    }

    @Test
    void aResponseKeepsItsBytesWhenTheEntryIsEvictedUnderIt() throws Exception {
        write("a.html", "still here");
        get("/a.html");
        Response inFlight = fromMemory("/a.html");
        handler.clearCache();
        assertThat(text(inFlight)).isEqualTo("still here"); // the slice holds the bytes until released
    }

    // ---- freshness: never stale beyond cache_revalidate_ms -------------------------------------------

    @Test
    void aFileWrittenInPlaceIsServedNewWithinTheBound() throws Exception {
        Path file = write("a.html", "version one");
        get("/a.html");
        Files.writeString(file, "version two, longer");
        advance(REVALIDATE_MS - 1);
        assertThat(text(fromMemory("/a.html"))).as("within the bound the cached copy may answer").isEqualTo("version one");
        advance(2);
        Response after = get("/a.html");
        assertThat(text(after)).isEqualTo("version two, longer");
        assertThat(after.headers().get("content-length")).isEqualTo("19");
    }

    @Test
    void aFileReplacedByRenameWithTheSameSizeAndMtimeIsNoticedByItsInode() throws Exception {
        write("a.html", "AAAA");
        String oldTag = get("/a.html").headers().get("etag");
        Path replacement = write("new.tmp", "BBBB".getBytes(StandardCharsets.UTF_8), MTIME);
        Files.move(replacement, root.resolve("a.html"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        advance(REVALIDATE_MS);
        Response after = get("/a.html");
        assertThat(text(after)).isEqualTo("BBBB");
        assertThat(after.headers().get("etag")).isNotEqualTo(oldTag);
    }

    @Test
    void aTruncatedFileIsServedAtItsNewLengthNeverAsAMix() throws Exception {
        Path file = write("a.html", "0123456789");
        get("/a.html");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(4);
        }
        advance(REVALIDATE_MS);
        Response after = get("/a.html");
        assertThat(text(after)).isEqualTo("0123");
        assertThat(after.headers().get("content-length")).isEqualTo("4");
    }

    @Test
    void aFileChangingWhileItIsReadIsReadAgainSoTheCachedCopyIsOneVersion() throws Exception {
        Path file = write("a.html", "first version");
        AtomicInteger sabotage = new AtomicInteger(1);
        handler = new StaticFileHandler(new FilesConfig(root, List.of("index.html"), true, false, ""),
                new FileCacheConfig(1 << 20, 64 * 1024, Duration.ofMillis(REVALIDATE_MS)),
                new CompressionPolicy(new CompressionConfig(false, List.of(), 6, 6, 6, List.of(), 1024, false),
                        new Compressors(6, 6, 6)), pool, new MimeTypes(), path -> {
                    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
                    synchronized (opened) {
                        opened.add(channel);
                    }
                    if (sabotage.getAndDecrement() > 0) {
                        // A deploy rewrites the file right after we opened it.
                        Files.writeString(file, "second, longer version");
                    }
                    return channel;
                }, () -> NOW, nanos::get, warning -> { });
        Response response = get("/a.html");
        assertThat(text(response)).isEqualTo("second, longer version");
        assertThat(response.headers().get("content-length")).isEqualTo("22");
        assertThat(text(fromMemoryWithoutCounting("/a.html"))).isEqualTo("second, longer version");
    }

    private Response fromMemoryWithoutCounting(String target) throws Exception {
        CompletableFuture<Response> future = start(HttpMethod.GET, target);
        assertThat(future).isDone();
        responses.add(future.get());
        return future.get();
    }

    @Test
    void aDeletedFileAnswers404WithinTheBound() throws Exception {
        Path file = write("a.html", "here");
        get("/a.html");
        Files.delete(file);
        advance(REVALIDATE_MS);
        assertThat(get("/a.html").status().code()).isEqualTo(404);
    }

    @Test
    void aMissingFileIsCachedNegativelyForTheSameBound() throws Exception {
        assertThat(get("/late.html").status().code()).isEqualTo(404);
        write("late.html", "arrived");
        assertThat(fromMemory("/late.html").status().code()).as("the 404 is remembered").isEqualTo(404);
        advance(REVALIDATE_MS);
        assertThat(text(get("/late.html"))).isEqualTo("arrived");
    }

    @Test
    void anUnchangedFileIsRevalidatedWithoutBeingReadAgain() throws Exception {
        write("a.html", "same");
        get("/a.html");
        advance(REVALIDATE_MS);
        int before = opens.get();
        assertThat(text(get("/a.html"))).isEqualTo("same");
        assertThat(opens.get()).as("a stat, not a read").isEqualTo(before);
        assertThat(text(fromMemory("/a.html"))).isEqualTo("same");
    }

    @Test
    void revalidateZeroChecksTheDiskOnEveryRequest() throws Exception {
        handler = handler(new FileCacheConfig(1 << 20, 64 * 1024, Duration.ZERO), false, false);
        Path file = write("a.html", "one");
        get("/a.html");
        Files.writeString(file, "two!");
        assertThat(text(get("/a.html"))).isEqualTo("two!");
    }

    // ---- large cached files: from memory on every protocol, plain HTTP/1.1 included -------------------------

    @Test
    void aLargeCachedFileIsSentFromMemoryThatTruncationCannotTouch() throws Exception {
        handler = handler(new FileCacheConfig(4 << 20, 1 << 20, Duration.ofMillis(REVALIDATE_MS)), false, false);
        byte[] content = new byte[200 * 1024];
        new java.util.Random(9).nextBytes(content);
        Path file = write("large.bin", content, MTIME);
        assertThat(Bodies.bytes(get("/large.bin").body())).isEqualTo(content);
        Response cached = fromMemory("/large.bin");
        assertThat(cached.body()).as("the cached bytes, not the file").isInstanceOf(Body.Bytes.class);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(10); // a deploy truncates the original while responses are in flight
        }
        assertThat(Bodies.bytes(cached.body())).as("never truncated").isEqualTo(content);
        handler.clearCache();
        assertThat(Bodies.bytes(cached.body())).as("still lent to the response after eviction").isEqualTo(content);
    }

    @Test
    void aLargeCompressedVariantIsSentFromMemoryWholeOrAsARange() throws Exception {
        handler = handler(new FileCacheConfig(4 << 20, 1 << 20, Duration.ofMillis(REVALIDATE_MS)), true, false);
        StringBuilder page = new StringBuilder();
        java.util.Random random = new java.util.Random(5);
        while (page.length() < 200_000) {
            page.append("<li class=\"item\">").append(Long.toString(random.nextLong(), 36)).append("</li>\n");
        }
        byte[] content = page.toString().getBytes(StandardCharsets.UTF_8);
        write("list.html", content, MTIME);
        Response first = get("/list.html", "Accept-Encoding", "gzip");
        assertThat(gunzip(first)).isEqualTo(content);
        Response cached = fromMemory("/list.html", "Accept-Encoding", "gzip");
        assertThat(cached.headers().get("content-encoding")).isEqualTo("gzip");
        assertThat(cached.body()).isInstanceOf(Body.Bytes.class);
        assertThat(gunzip(cached)).isEqualTo(content);
        Response range = fromMemory("/list.html", "Accept-Encoding", "gzip", "Range", "bytes=0-1");
        assertThat(range.status().code()).isEqualTo(206);
        assertThat(Bodies.bytes(range.body())).as("a range of the coded bytes").containsExactly(0x1f, 0x8b);
    }

    // ---- bounds ------------------------------------------------------------------------------------------

    @Test
    void theCacheStaysWithinItsByteBudget() throws Exception {
        handler = handler(new FileCacheConfig(64 * 1024, 64 * 1024, Duration.ofMillis(REVALIDATE_MS)), false, false);
        byte[] content = new byte[16 * 1024];
        for (int i = 0; i < 20; i++) {
            write("f" + i + ".bin", content, MTIME);
            assertThat(Bodies.bytes(get("/f" + i + ".bin").body())).hasSize(content.length);
        }
        assertThat(handler.cachedBytes()).isPositive().isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void filesAboveTheSizeLimitAreNotCachedAndGoBySendfile() throws Exception {
        write("big.bin", new byte[100 * 1024], MTIME);
        assertThat(get("/big.bin").body()).isInstanceOf(Body.FileSegment.class);
        int before = opens.get();
        assertThat(get("/big.bin").body()).isInstanceOf(Body.FileSegment.class);
        assertThat(opens.get()).isEqualTo(before + 1);
        assertThat(handler.cachedBytes()).isZero();
    }

    @Test
    void aCacheTooSmallForAFileStillServesIt() throws Exception {
        handler = handler(new FileCacheConfig(2 * 1024, 64 * 1024, Duration.ofMillis(REVALIDATE_MS)), true, false);
        write("a.css", TEXT);
        assertThat(text(get("/a.css"))).isEqualTo(TEXT);
        assertThat(gunzip(get("/a.css", "Accept-Encoding", "gzip"))).isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8));
    }

    // ---- compression -------------------------------------------------------------------------------------

    @Test
    void aCompressedVariantIsMadeOnceAndThenServedFromMemory() throws Exception {
        write("app.css", TEXT);
        Response first = get("/app.css", "Accept-Encoding", "gzip");
        assertThat(first.headers().get("content-encoding")).isEqualTo("gzip");
        assertThat(first.headers().get("vary")).isEqualToIgnoringCase("accept-encoding");
        assertThat(gunzip(first)).isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8));
        Response second = fromMemory("/app.css", "Accept-Encoding", "gzip");
        assertThat(second.headers().get("content-length")).isEqualTo(first.headers().get("content-length"));
        // Both are slices of the one compressed copy.
        assertThat(((Body.Bytes) second.body()).content().memoryAddress())
                .isEqualTo(((Body.Bytes) first.body()).content().memoryAddress());
    }

    @Test
    void theVariantHasItsOwnEtagAndConditionalsAndRangesApplyToIt() throws Exception {
        write("app.css", TEXT);
        Response identity = get("/app.css");
        Response gzip = get("/app.css", "Accept-Encoding", "gzip");
        String tag = gzip.headers().get("etag");
        assertThat(tag).isNotEqualTo(identity.headers().get("etag")).endsWith("-gzip\"");
        assertThat(identity.headers().get("vary")).as("identity varies too").isEqualToIgnoringCase("accept-encoding");

        Response notModified = fromMemory("/app.css", "Accept-Encoding", "gzip", "If-None-Match", tag);
        assertThat(notModified.status().code()).isEqualTo(304);
        assertThat(notModified.headers().get("vary")).isEqualToIgnoringCase("accept-encoding");
        assertThat(fromMemory("/app.css", "If-None-Match", tag).status().code())
                .as("the gzip tag does not validate the identity representation").isEqualTo(200);

        Response partial = fromMemory("/app.css", "Accept-Encoding", "gzip", "Range", "bytes=0-9");
        assertThat(partial.status().code()).isEqualTo(206);
        assertThat(partial.headers().get("content-encoding")).isEqualTo("gzip");
        assertThat(partial.headers().get("vary")).isEqualToIgnoringCase("accept-encoding");
        assertThat(partial.headers().get("content-range"))
                .isEqualTo("bytes 0-9/" + gzip.headers().get("content-length"));
        byte[] whole = Bodies.bytes(gzip.body());
        assertThat(Bodies.bytes(partial.body())).isEqualTo(java.util.Arrays.copyOf(whole, 10));
    }

    @Test
    void aSlowLevelAnswersAtAQuickLevelFirstAndIsRefinedInTheBackground() throws Exception {
        AtomicInteger poolTasks = new AtomicInteger();
        handler = handler(new FileCacheConfig(1 << 20, 64 * 1024, Duration.ofMillis(REVALIDATE_MS)),
                new CompressionConfig(true, List.of("br"), 6, 11, 6, List.of("text/*"), 1024, true), task -> {
                    poolTasks.incrementAndGet();
                    pool.execute(task);
                });
        byte[] page = stylesheet();
        write("app.css", page, MTIME);
        Response quick = get("/app.css", "Accept-Encoding", "br");
        assertThat(quick.headers().get("content-encoding")).isEqualTo("br");
        assertThat(quick.headers().get("etag")).as("brotli 5 first").endsWith("-br5\"");
        assertThat(unbrotli(quick)).isEqualTo(page);

        Response refined = awaitRefined("/app.css");
        assertThat(refined.headers().get("etag")).as("brotli 11, under its own tag")
                .isEqualTo(quick.headers().get("etag").replace("-br5\"", "-br\""));
        assertThat(unbrotli(refined)).isEqualTo(page);
        assertThat(Integer.parseInt(refined.headers().get("content-length")))
                .isLessThan(Integer.parseInt(quick.headers().get("content-length")));
        assertThat(poolTasks).as("the slow level ran on a thread of its own, not on the pool that reads files")
                .hasValue(2); // the file's first read, the quick variant
        assertThat(fromMemory("/app.css", "Accept-Encoding", "br", "If-None-Match", quick.headers().get("etag"))
                .status().code()).as("the interim tag no longer validates").isEqualTo(200);
        assertThat(fromMemory("/app.css", "Accept-Encoding", "br", "If-None-Match", refined.headers().get("etag"))
                .status().code()).isEqualTo(304);
    }

    @Test
    void aRefinedVariantIsNeverLargerThanTheInterimOne() throws Exception {
        handler = handler(new FileCacheConfig(1 << 20, 64 * 1024, Duration.ofMillis(REVALIDATE_MS)),
                new CompressionConfig(true, List.of("br"), 6, 11, 6, List.of("text/*"), 1024, true));
        write("app.css", TEXT); // one line 200 times: brotli 11 comes out a few bytes longer than 5
        Response quick = get("/app.css", "Accept-Encoding", "br");
        assertThat(quick.headers().get("etag")).endsWith("-br5\"");
        Response refined = awaitRefined("/app.css");
        assertThat(refined.headers().get("etag")).endsWith("-br\"");
        assertThat(refined.headers().get("content-length")).isEqualTo(quick.headers().get("content-length"));
        assertThat(unbrotli(refined)).isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8));
    }

    /** About 12 KB of CSS rules with varied names and values, where brotli 11 beats 5 clearly. */
    private static byte[] stylesheet() {
        java.util.Random random = new java.util.Random(42);
        String[] properties = {"margin", "padding", "color", "background", "border", "font-size", "line-height",
            "width", "max-width", "display", "gap", "opacity"};
        StringBuilder css = new StringBuilder();
        for (int rule = 0; css.length() < 12_000; rule++) {
            css.append(".c").append(Integer.toString(random.nextInt(1 << 20), 36)).append("-").append(rule)
                    .append(" {\n");
            for (int i = 0; i < 1 + random.nextInt(4); i++) {
                css.append("  ").append(properties[random.nextInt(properties.length)]).append(": ")
                        .append(random.nextInt(640)).append("px;\n");
            }
            css.append("}\n");
        }
        return css.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aQuickLevelIsFinalFromTheFirstResponse() throws Exception {
        handler = handler(new FileCacheConfig(1 << 20, 64 * 1024, Duration.ofMillis(REVALIDATE_MS)),
                new CompressionConfig(true, List.of("br"), 6, 5, 6, List.of("text/*"), 1024, true));
        write("app.css", TEXT);
        Response first = get("/app.css", "Accept-Encoding", "br");
        assertThat(first.headers().get("etag")).endsWith("-br\"");
        assertThat(unbrotli(first)).isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void smallFilesAndIncompressibleTypesAreSentAsTheyAreWithoutVary() throws Exception {
        write("small.css", "a{}");
        write("image.png", new byte[4096], MTIME);
        for (String path : List.of("/small.css", "/image.png")) {
            Response response = get(path, "Accept-Encoding", "gzip");
            assertThat(response.headers().get("content-encoding")).as(path).isNull();
            assertThat(response.headers().get("vary")).as(path).isNull();
        }
    }

    @Test
    void aCodingThatDoesNotMakeTheFileSmallerIsNeverSent() throws Exception {
        byte[] random = new byte[8192];
        new java.util.Random(42).nextBytes(random);
        write("noise.txt", random, MTIME);
        Response response = get("/noise.txt", "Accept-Encoding", "gzip");
        assertThat(response.headers().get("content-encoding")).isNull();
        assertThat(Bodies.bytes(response.body())).isEqualTo(random);
        assertThat(fromMemory("/noise.txt", "Accept-Encoding", "gzip").headers().get("content-encoding")).isNull();
    }

    @Test
    void identityRefusedAndNothingElseAcceptableIs406() throws Exception {
        write("app.css", TEXT);
        assertThat(get("/app.css", "Accept-Encoding", "identity;q=0, br").status().code()).isEqualTo(406);
    }

    @Test
    void headOfACompressedRepresentationReportsItsLength() throws Exception {
        write("app.css", TEXT);
        String length = get("/app.css", "Accept-Encoding", "gzip").headers().get("content-length");
        Response head = start(HttpMethod.HEAD, "/app.css", "Accept-Encoding", "gzip").get(10, TimeUnit.SECONDS);
        assertThat(head.headers().get("content-encoding")).isEqualTo("gzip");
        assertThat(head.headers().get("content-length")).isEqualTo(length);
        assertThat(head.body()).isInstanceOf(Body.Empty.class);
    }

    // ---- precompressed sidecars ----------------------------------------------------------------------

    @Test
    void aFreshSidecarIsServedInPreferenceWithItsOwnLengthAndEtag() throws Exception {
        write("app.css", TEXT);
        byte[] sidecar = "pretend-this-is-gzip".getBytes(StandardCharsets.UTF_8);
        write("app.css.gz", sidecar, MTIME.plusSeconds(1));
        Response response = get("/app.css", "Accept-Encoding", "gzip");
        assertThat(response.headers().get("content-encoding")).isEqualTo("gzip");
        assertThat(Bodies.bytes(response.body())).isEqualTo(sidecar);
        assertThat(response.headers().get("content-length")).isEqualTo(String.valueOf(sidecar.length));
        assertThat(response.headers().get("etag")).isNotEqualTo(get("/app.css").headers().get("etag"));
    }

    @Test
    void aSidecarOlderThanItsFileIsStaleAndIgnored() throws Exception {
        write("app.css", TEXT);
        write("app.css.gz", "stale".getBytes(StandardCharsets.UTF_8), MTIME.minusSeconds(60));
        Response response = get("/app.css", "Accept-Encoding", "gzip");
        assertThat(gunzip(response)).as("compressed by Carbon instead").isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSidecarIsUsedEvenForAnUncachedFileAndWithCompressionOff() throws Exception {
        handler = handler(new FileCacheConfig(0, 0, Duration.ZERO), false, true);
        write("big.js", "x".repeat(2048));
        write("big.js.br", "brotli bytes".getBytes(StandardCharsets.UTF_8), MTIME.plusSeconds(1));
        Response response = get("/big.js", "Accept-Encoding", "gzip, br");
        assertThat(response.headers().get("content-encoding")).isEqualTo("br");
        assertThat(response.body()).isInstanceOf(Body.FileSegment.class);
        assertThat(text(response)).isEqualTo("brotli bytes");
    }

    // ---- out of file descriptors --------------------------------------------------------------------------

    @Test
    void runningOutOfDescriptorsWhileLoadingIsA503AndNothingIsCached() throws Exception {
        write("a.html", "<p>cached</p>");
        outOfDescriptors = path -> true;
        Response refused = get("/a.html");
        assertThat(refused.status().code()).isEqualTo(503);
        assertThat(refused.headers().get("retry-after")).isEqualTo("1");
        assertThat(warnings).singleElement().asString().contains("Too many open files", "GET /a.html");

        outOfDescriptors = path -> false;
        Response served = get("/a.html");
        assertThat(served.status().code()).as("the shortage is not remembered as a missing file").isEqualTo(200);
        assertThat(text(served)).isEqualTo("<p>cached</p>");
    }

    @Test
    void runningOutOfDescriptorsReadingASidecarIsA503Too() throws Exception {
        write("app.css", TEXT);
        write("app.css.gz", "pretend-this-is-gzip".getBytes(StandardCharsets.UTF_8), MTIME.plusSeconds(1));
        outOfDescriptors = path -> path.toString().endsWith(".gz");
        Response refused = get("/app.css", "Accept-Encoding", "gzip");
        assertThat(refused.status().code()).isEqualTo(503);
        assertThat(refused.headers().get("retry-after")).isEqualTo("1");
        assertThat(warnings).hasSize(1);

        outOfDescriptors = path -> false;
        assertThat(text(get("/app.css", "Accept-Encoding", "gzip"))).isEqualTo("pretend-this-is-gzip");
    }

    // ---- large files: gzip while sending -----------------------------------------------------------------

    @Test
    void aLargeUncachedTextFileIsStreamedThroughGzip() throws Exception {
        String big = "line of a large log file\n".repeat(10_000); // 250 KB, above the 64 KiB cache limit
        write("big.txt", big);
        Response response = get("/big.txt", "Accept-Encoding", "gzip");
        assertThat(response.headers().get("content-encoding")).isEqualTo("gzip");
        assertThat(response.headers().get("content-length")).isNull();
        assertThat(response.headers().get("vary")).isEqualToIgnoringCase("accept-encoding");
        assertThat(response.body()).isInstanceOf(Body.Stream.class);
        assertThat(gunzip(response)).isEqualTo(big.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRangeOnALargeCompressibleFileIsAnsweredFromTheIdentityRepresentation() throws Exception {
        write("big.txt", "0123456789".repeat(10_000));
        Response response = get("/big.txt", "Accept-Encoding", "gzip", "Range", "bytes=5-9");
        assertThat(response.status().code()).isEqualTo(206);
        assertThat(response.headers().get("content-encoding")).isNull();
        assertThat(response.headers().get("vary")).isEqualToIgnoringCase("accept-encoding");
        assertThat(text(response)).isEqualTo("56789");
    }
}
