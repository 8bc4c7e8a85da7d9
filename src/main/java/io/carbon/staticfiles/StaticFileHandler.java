package io.carbon.staticfiles;

import io.carbon.compression.AcceptEncoding;
import io.carbon.compression.CompressionException;
import io.carbon.compression.Compressors;
import io.carbon.compression.ContentCoding;
import io.carbon.config.CompressionConfig;
import io.carbon.config.FileCacheConfig;
import io.carbon.config.FilesConfig;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Serves GET and HEAD from {@code www_path}: safe path resolution, index files, directory redirects,
 * Content-Type, validators, content negotiation, conditional requests and ranges.
 *
 * <p>Hot files answer on the event loop from the {@link FileCache}: a lookup, a few headers and a retained
 * slice of cached bytes, no system call. Everything that touches the disk (resolving symlinks, stat, open,
 * read, compressing) runs on the bounded blocking pool: cold files, files due for revalidation, files above
 * {@code cache_max_file_size} (sent by sendfile, or in chunks read on the pool), and compressed variants,
 * which are made once per file version and then kept beside the file in the cache. A slow compression level
 * is made in two steps: a quick level answers the first request, and the configured one replaces it later,
 * made on a thread of its own (the refiner) so that it never holds up the pool's file reads.
 *
 * <p>Errors (400, 403, 404, 406, 412, 416, 503) and the 301 directory redirect are {@code Response.of(status)}
 * with an empty body: the branch adds the error page. Running out of file descriptors is a 503 with
 * Retry-After, logged at most once per interval through {@code warnings} (see {@link OutOfDescriptors}).
 * Failures (a disk error such as EIO, a bug, the pool being full) complete the future exceptionally, and
 * {@link io.carbon.http.Exchanges} answers 500, logged with the request and the cause, or 503 with Retry-After.
 */
public final class StaticFileHandler implements HttpHandler {

    /** Interim variants waiting to be remade at the configured level, at most. */
    private static final int REFINE_QUEUE = 256;

    /** Opens a file for reading; replaceable in tests (e.g. to simulate permission denied as root). */
    @FunctionalInterface
    interface FileOpener {
        FileChannel open(Path path) throws IOException;
    }

    /** Where a request path leads on disk, once symlinks and index files are resolved. */
    private sealed interface Target permits FileTarget, StatusTarget, RedirectTarget {
    }

    /** @param requested the path as asked (sidecars are looked for next to it), {@code real} the file read */
    private record FileTarget(Path requested, Path real, FileStat stat, String fileName) implements Target {
    }

    private record StatusTarget(HttpResponseStatus status) implements Target {
    }

    private record RedirectTarget() implements Target {
    }

    private final FilesConfig config;
    private final Executor blockingPool;
    private final PathResolver resolver;
    private final MimeTypes mimeTypes;
    private final FileOpener opener;
    private final LongSupplier nowSeconds;
    private final FileCache cache;
    private final long maxCachedFileSize;
    private final FileLoader loader;
    private final CompressionPolicy compression;
    private final OutOfDescriptors outOfDescriptors;
    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    /** Variants being made now, so a burst of requests compresses a file once, not once per request. */
    private final Map<String, CompletableFuture<CachedVariant>> variantsInFlight = new ConcurrentHashMap<>();
    /** Interim variants being remade at the configured level now. */
    private final Set<String> refining = ConcurrentHashMap.newKeySet();
    /**
     * Where interim variants are remade: a thread of its own, so that seconds of Brotli 11 on large files never
     * hold up the blocking pool's opens and reads; its queue is bounded, and a variant it has no room for is
     * asked for again by its next request. The thread ends when idle.
     */
    private final ThreadPoolExecutor refiner = newRefiner();
    /** Read-only statistics for metrics: requests answered from the cache, and those that went to the disk. */
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder cacheMisses = new LongAdder();

    /** @param warnings the server log's warnings: running out of file descriptors, at most once per interval */
    public StaticFileHandler(FilesConfig config, FileCacheConfig cacheConfig, CompressionConfig compression,
                             Executor blockingPool, Consumer<String> warnings) {
        this(config, cacheConfig, new CompressionPolicy(compression, new Compressors(compression.gzipLevel(),
                        compression.brotliLevel(), compression.zstdLevel())), blockingPool, new MimeTypes(),
                p -> FileChannel.open(p, StandardOpenOption.READ), () -> System.currentTimeMillis() / 1000L,
                System::nanoTime, warnings);
    }

    StaticFileHandler(FilesConfig config, FileCacheConfig cacheConfig, CompressionPolicy compression,
                      Executor blockingPool, MimeTypes mimeTypes, FileOpener opener, LongSupplier nowSeconds,
                      LongSupplier nanoClock, Consumer<String> warnings) {
        this.config = config;
        this.blockingPool = blockingPool;
        this.resolver = new PathResolver(config);
        this.mimeTypes = mimeTypes;
        this.opener = opener;
        this.nowSeconds = nowSeconds;
        this.cache = cacheConfig.enabled() ? new FileCache(cacheConfig, nanoClock) : null;
        this.maxCachedFileSize = cacheConfig.maxFileSize();
        this.loader = new FileLoader(opener, mimeTypes, alloc);
        this.compression = compression;
        this.outOfDescriptors = new OutOfDescriptors(warnings, nanoClock);
    }

    /** Why a configured coding cannot be produced here (a native library failed to load), for the log. */
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        Compressors compressors = compression.compressors();
        for (ContentCoding coding : compression.configured()) {
            compressors.unavailableReason(coding).ifPresent(
                    reason -> warnings.add(coding.token() + " compression unavailable: " + reason));
        }
        return warnings;
    }

    private static ThreadPoolExecutor newRefiner() {
        ThreadPoolExecutor refiner = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(REFINE_QUEUE), new DefaultThreadFactory("carbon-refine", true));
        refiner.allowCoreThreadTimeOut(true);
        return refiner;
    }

    /** Stops remaking variants and forgets every cached file (shutdown). */
    public void close() {
        refiner.shutdownNow();
        clearCache();
    }

    /** Forgets every cached file (reload, shutdown); bytes still being sent are freed when sent. */
    public void clearCache() {
        if (cache != null) {
            cache.clear();
        }
    }

    /** Requests the cache answered from memory on the event loop (a cached 404 included), since start. */
    public long cacheHits() {
        return cacheHits.sum();
    }

    /** Requests that went to the disk because the cache had no entry checked recently enough, since start. */
    public long cacheMisses() {
        return cacheMisses.sum();
    }

    /** Entries evicted to stay within {@code cache_max_bytes}, since start. */
    public long cacheEvictions() {
        return cache == null ? 0 : cache.evictions();
    }

    /** Bytes charged against {@code cache_max_bytes} now, as last settled (no maintenance is run to read it). */
    public long cacheBytesNow() {
        return cache == null ? 0 : cache.weightedSizeNow();
    }

    /** Entries (files, variants, known-missing paths) cached now, approximately. */
    public long cacheEntries() {
        return cache == null ? 0 : cache.entries();
    }

    /** Bytes the cache holds now, for tests. */
    long cachedBytes() {
        return cache == null ? 0 : cache.weightedSize();
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        PathResolver.Resolution lexical = resolver.resolve(request.rawPath());
        if (lexical instanceof PathResolver.Rejected rejected) {
            return CompletableFuture.completedFuture(Response.of(rejected.status()));
        }
        PathResolver.Found found = (PathResolver.Found) lexical;
        String key = found.trailingSlash() ? found.path() + "/" : found.path().toString();
        if (cache != null) {
            CacheEntry entry = cache.fresh(key);
            if (entry != null) {
                // The fast path, on the event loop: no system call.
                CompletableFuture<Response> answer = fromCache(request, key, entry);
                if (answer != null) {
                    if (answer.isDone() && !answer.isCompletedExceptionally()) {
                        answer.join().fromCache(true); // answered from memory as it stood: a cache hit
                    }
                    cacheHits.increment();
                    return answer;
                }
            }
            cacheMisses.increment();
        }
        return onPool(() -> serve(request, found, key, true));
    }

    private CompletableFuture<Response> onPool(Work work) {
        CompletableFuture<Response> future = new CompletableFuture<>();
        try {
            blockingPool.execute(() -> {
                try {
                    work.run().whenComplete((response, failure) -> {
                        if (failure != null) {
                            future.completeExceptionally(failure);
                        } else {
                            future.complete(response);
                        }
                    });
                } catch (Throwable t) {
                    future.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    @FunctionalInterface
    private interface Work {
        CompletableFuture<Response> run() throws IOException;
    }

    // ---- the cached path -------------------------------------------------------------------------------

    /** The answer from memory, or null when it needs the disk (evicted meanwhile). Any thread. */
    private CompletableFuture<Response> fromCache(Request request, String key, CacheEntry entry) {
        if (entry instanceof CachedMissing) {
            return CompletableFuture.completedFuture(Response.of(HttpResponseStatus.NOT_FOUND));
        }
        return negotiate(request, key, (CachedFile) entry, ((CachedFile) entry).offered());
    }

    private CompletableFuture<Response> negotiate(Request request, String key, CachedFile file,
                                                  List<ContentCoding> candidates) {
        AcceptEncoding.Selection selection = AcceptEncoding.parse(acceptEncoding(request)).select(candidates);
        boolean varies = !file.offered().isEmpty();
        if (selection.notAcceptable()) {
            return CompletableFuture.completedFuture(notAcceptable(varies));
        }
        ContentCoding coding = selection.coding();
        if (coding == null) {
            Representation identity = new Representation(file.etag(), file.stat().mtimeSeconds(),
                    file.lastModifiedDate(), file.contentType(), null, file.content().length(), varies,
                    file.okHeaders());
            return answer(request, identity, Contents.memory(file.content()));
        }
        CachedVariant variant = cache.variant(key, file, coding);
        if (variant != null) {
            return withVariant(request, key, file, candidates, variant);
        }
        // Made once, off the event loop; the response continues when it is ready.
        return variantFor(key, file, coding).handle((made, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof Contents.Evicted) {
                    return diskOnly(request, key);
                }
                return OutOfDescriptors.matches(cause) ? done(outOfDescriptors.refuse(request, cause))
                        : CompletableFuture.<Response>failedFuture(cause);
            }
            CompletableFuture<Response> answer = withVariant(request, key, file, candidates, made);
            return answer != null ? answer : diskOnly(request, key);
        }).thenCompose(answer -> answer);
    }

    /**
     * Serves from disk without the cache: the cached bytes were evicted under this request, and going
     * through the cache again could meet the same fate (a cache too small for the file).
     */
    private CompletableFuture<Response> diskOnly(Request request, String key) {
        PathResolver.Found found = (PathResolver.Found) resolver.resolve(request.rawPath());
        return onPool(() -> serve(request, found, key, false));
    }

    private CompletableFuture<Response> withVariant(Request request, String key, CachedFile file,
                                                    List<ContentCoding> candidates, CachedVariant variant) {
        if (!variant.worthSending()) {
            // Coding made it no smaller: never send it, choose again among the rest.
            List<ContentCoding> rest = new ArrayList<>(candidates);
            rest.remove(variant.coding());
            return negotiate(request, key, file, rest);
        }
        Representation rep = new Representation(variant.etag(), file.stat().mtimeSeconds(), file.lastModifiedDate(),
                file.contentType(), variant.coding(), variant.bytes().length(), true, variant.okHeaders());
        CompletableFuture<Response> answer = answer(request, rep,
                Contents.memory(variant.bytes()));
        if (variant.interim()) {
            // After this response holds its bytes: the refined variant replaces (and frees) the interim one.
            refineLater(key, file, variant);
        }
        return answer;
    }

    private CompletableFuture<Response> answer(Request request, Representation rep, FileResponses.Content content) {
        try {
            return done(FileResponses.build(request, rep, content, config.cacheControl(), nowSeconds));
        } catch (Contents.Evicted e) {
            return null;
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e); // memory content does no I/O
        }
    }

    private CompletableFuture<CachedVariant> variantFor(String key, CachedFile file, ContentCoding coding) {
        String flightKey = FileCache.variantKey(key, coding) + '\0' + file.etag();
        CompletableFuture<CachedVariant> mine = new CompletableFuture<>();
        CompletableFuture<CachedVariant> existing = variantsInFlight.putIfAbsent(flightKey, mine);
        if (existing != null) {
            return existing;
        }
        try {
            blockingPool.execute(() -> {
                CachedVariant variant = null;
                Throwable failure = null;
                try {
                    variant = makeVariant(file, coding);
                    cache.putVariant(key, variant);
                } catch (Throwable t) {
                    failure = t;
                }
                // Out of the map before anyone hears the outcome: a request that follows a failed one (the
                // disk came back) must make the variant again, not be handed the old failure.
                variantsInFlight.remove(flightKey, mine);
                if (failure == null) {
                    mine.complete(variant);
                } else {
                    mine.completeExceptionally(failure);
                }
            });
        } catch (RejectedExecutionException e) {
            variantsInFlight.remove(flightKey, mine);
            mine.completeExceptionally(e);
        }
        return mine;
    }

    /**
     * Remakes an interim variant at the configured level, on the {@link #refiner}, and caches it in its place;
     * once per variant at a time. A full queue only delays it: the next request for the variant asks again.
     * The configured level's bytes are cached when smaller than the interim ones; otherwise (tiny or very
     * repetitive files, where brotli 11 can come out a few bytes longer than 5) the quick level's bytes are
     * made again as final. Should the library fail at the configured level, the quick level's bytes become
     * final too, so the failure is not retried on every request, and the exception goes on to the refiner
     * thread's handler (standard error, the journal under systemd).
     */
    private void refineLater(String key, CachedFile file, CachedVariant interim) {
        String flightKey = FileCache.variantKey(key, interim.coding()) + '\0' + file.etag();
        if (!refining.add(flightKey)) {
            return;
        }
        ContentCoding coding = interim.coding();
        Compressors compressors = compression.compressors();
        try {
            refiner.execute(() -> {
                try {
                    CachedVariant refined = compressed(file, coding, compressors.level(coding), false);
                    if (refined.worthSending() && refined.bytes().length() >= interim.bytes().length()) {
                        refined.evict();
                        refined = compressed(file, coding, compressors.quickLevel(coding), false);
                    }
                    cache.putVariant(key, refined);
                } catch (Contents.Evicted e) {
                    // The file left the cache: its next variant is made anew.
                } catch (CompressionException e) {
                    cache.putVariant(key, compressed(file, coding, compressors.quickLevel(coding), false));
                    throw e;
                } finally {
                    refining.remove(flightKey);
                }
            });
        } catch (RejectedExecutionException e) {
            refining.remove(flightKey);
        }
    }

    /**
     * Reads the sidecar, or compresses the cached bytes at the quick level (interim when below the configured
     * one); blocking, CPU-heavy.
     */
    private CachedVariant makeVariant(CachedFile file, ContentCoding coding) throws IOException {
        CachedFile.Sidecar sidecar = file.sidecars().get(coding);
        if (sidecar != null) {
            ByteBuf bytes = loader.readSidecar(sidecar);
            if (bytes == null) {
                return new CachedVariant(file.etag(), coding, null, sidecar.etag(), false);
            }
            return new CachedVariant(file.etag(), coding, new SharedBytes(bytes), sidecar.etag(), false);
        }
        int quick = compression.compressors().quickLevel(coding);
        return compressed(file, coding, quick, quick < compression.compressors().level(coding));
    }

    /**
     * Compresses the cached bytes at {@code level}; an interim variant's ETag names its level, so that the
     * final one's differs. Blocking, CPU-heavy.
     */
    private CachedVariant compressed(CachedFile file, ContentCoding coding, int level, boolean interim) {
        ByteBuf identity = file.content().all();
        if (identity == null) {
            throw new Contents.Evicted();
        }
        try {
            ByteBuf compressed = compression.compressors().compress(coding, level, identity, alloc);
            if (compressed.readableBytes() >= identity.readableBytes()) {
                compressed.release();
                return CachedVariant.notSmaller(file.etag(), coding);
            }
            return new CachedVariant(file.etag(), coding, new SharedBytes(compressed),
                    ETags.withSuffix(file.etag(), interim ? coding.token() + level : coding.token()), interim);
        } finally {
            identity.release();
        }
    }

    // ---- the disk path (blocking pool) -----------------------------------------------------------------

    private CompletableFuture<Response> serve(Request request, PathResolver.Found found, String key,
                                              boolean useCache) throws IOException {
        boolean cached = useCache && cache != null;
        if (cached) {
            CacheEntry fresh = cache.fresh(key); // another request may have refreshed it meanwhile
            if (fresh != null) {
                CompletableFuture<Response> answer = fromCache(request, key, fresh);
                if (answer != null) {
                    return answer;
                }
            }
        }
        Target target;
        try {
            target = resolve(found);
        } catch (NoSuchFileException | NotDirectoryException e) {
            // Negative caching: a flood of requests for a missing file costs one stat per interval.
            if (cached) {
                cache.put(key, new CachedMissing(cache.now()));
            }
            return done(Response.of(HttpResponseStatus.NOT_FOUND));
        } catch (IOException e) {
            return failed(request, e);
        }
        if (target instanceof StatusTarget status) {
            if (cached && status.status().equals(HttpResponseStatus.NOT_FOUND)) {
                cache.put(key, new CachedMissing(cache.now()));
            }
            return done(Response.of(status.status()));
        }
        if (target instanceof RedirectTarget) {
            return done(redirectToDirectory(request));
        }
        FileTarget file = (FileTarget) target;
        try {
            if (cached && file.stat().size() <= maxCachedFileSize) {
                CompletableFuture<Response> answer = serveCached(request, key, file);
                if (answer != null) {
                    return answer;
                }
            }
            return done(serveUncached(request, file));
        } catch (NoSuchFileException | NotDirectoryException e) {
            return done(Response.of(HttpResponseStatus.NOT_FOUND)); // removed while we read it
        } catch (IOException e) {
            return failed(request, e);
        }
    }

    /** Revalidates or (re)loads the cache entry; null when the file cannot be cached right now. */
    private CompletableFuture<Response> serveCached(Request request, String key, FileTarget target)
            throws IOException {
        Map<ContentCoding, CachedFile.Sidecar> sidecars = compression.precompressed()
                ? FileLoader.sidecars(resolver, target.requested(), target.stat()) : Map.of();
        CacheEntry old = cache.any(key);
        long now = cache.now();
        if (old instanceof CachedFile file && file.sameVersion(target.real(), target.stat(), sidecars)) {
            file.checked(now); // unchanged on disk: good for another interval
            return fromCache(request, key, file);
        }
        FileLoader.Snapshot snapshot = loader.read(target.real(), target.stat());
        if (snapshot == null) {
            return null; // kept changing while we read it: serve it from disk this time
        }
        FileStat stat = snapshot.stat();
        String etag = ETags.etag(stat);
        String contentType;
        try {
            contentType = loader.contentType(target.fileName(), etag, snapshot.bytes());
        } catch (IOException | RuntimeException e) {
            snapshot.bytes().release();
            throw e;
        }
        List<ContentCoding> offered = compression.forCached(sidecars.keySet(), contentType, stat.size());
        CachedFile loaded = new CachedFile(target.real(), stat, etag, contentType, new SharedBytes(snapshot.bytes()),
                sidecars, offered, now);
        cache.put(key, loaded);
        return fromCache(request, key, loaded);
    }

    private Response serveUncached(Request request, FileTarget target) throws IOException {
        boolean head = request.isHead();
        Path path = target.real();
        FileStat stat = target.stat();
        FileChannel channel = null;
        try {
            if (head) {
                // No descriptor for HEAD; access(2) tells whether GET would be allowed, so both agree on 403.
                if (!Files.isReadable(path)) {
                    return Response.of(HttpResponseStatus.FORBIDDEN);
                }
            } else {
                channel = opener.open(path);
                if (channel.size() != stat.size()) {
                    stat = FileStat.read(path); // changed between stat and open: describe what we will send
                }
            }
            String etag = ETags.etag(stat);
            final FileChannel source = channel;
            String contentType = mimeTypes.contentType(target.fileName(), etag, () -> prefix(path, source));
            Map<ContentCoding, CachedFile.Sidecar> sidecars = compression.precompressed()
                    ? FileLoader.sidecars(resolver, target.requested(), stat) : Map.of();
            // A streamed coding has no length: never for ranges (answered from identity) or HTTP/1.0 (no chunks).
            boolean streamable = !(request.headers().contains(HttpHeaderNames.RANGE)
                    && HttpMethod.GET.equals(request.method())) && request.protocol().streamsUnknownLength();
            List<ContentCoding> offered = compression.forUncached(sidecars.keySet(), contentType, stat.size(),
                    streamable);
            // Vary whenever some request could get a coding, even if this one cannot (a cache must not hand
            // this identity 206 or 200 to a client that asked differently).
            boolean varies = !offered.isEmpty()
                    || !compression.forUncached(sidecars.keySet(), contentType, stat.size(), true).isEmpty();
            AcceptEncoding.Selection selection = AcceptEncoding.parse(acceptEncoding(request)).select(offered);
            if (selection.notAcceptable()) {
                return notAcceptable(varies);
            }
            ContentCoding coding = selection.coding();
            String lastModified = ETags.httpDate(stat.mtimeSeconds());
            if (coding == null) {
                Representation rep = new Representation(etag, stat.mtimeSeconds(), lastModified, contentType, null, stat.size(),
                        varies);
                channel = null; // the content owns it now
                return FileResponses.build(request, rep, Contents.file(path, source, stat.size(), opener,
                        blockingPool), config.cacheControl(), nowSeconds);
            }
            CachedFile.Sidecar sidecar = sidecars.get(coding);
            if (sidecar != null) {
                FileChannel coded = head ? null : opener.open(sidecar.path());
                Representation rep = new Representation(sidecar.etag(), stat.mtimeSeconds(), lastModified, contentType, coding,
                        sidecar.stat().size(), true);
                return FileResponses.build(request, rep, Contents.file(sidecar.path(), coded, sidecar.stat().size(),
                        opener, blockingPool), config.cacheControl(), nowSeconds);
            }
            // gzip while sending: the file is too large to keep a compressed copy of.
            Representation rep = new Representation(ETags.withSuffix(etag, coding.token()), stat.mtimeSeconds(),
                    lastModified, contentType, coding, -1, true);
            FileResponses.Content content = head ? Contents.none()
                    : Contents.stream(new GzipFileSource(channel, stat.size(), compression.gzipLevel(), blockingPool));
            channel = null; // the stream owns it now
            return FileResponses.build(request, rep, content, config.cacheControl(), nowSeconds);
        } finally {
            if (channel != null) {
                closeQuietly(channel);
            }
        }
    }

    /** Follows symlinks (confined to the root), directories and index files to what will be served. */
    private Target resolve(PathResolver.Found found) throws IOException {
        PathResolver.Resolution confined = resolver.confine(found.path());
        if (confined instanceof PathResolver.Rejected rejected) {
            return new StatusTarget(rejected.status());
        }
        Path real = ((PathResolver.Found) confined).path();
        FileStat stat = FileStat.read(real);
        if (stat.directory()) {
            if (!found.trailingSlash()) {
                return new RedirectTarget();
            }
            for (String index : config.indexFiles()) {
                Path requested = found.path().resolve(index);
                if (resolver.confine(requested) instanceof PathResolver.Found file) {
                    try {
                        FileStat indexStat = FileStat.read(file.path());
                        if (indexStat.regularFile()) {
                            return new FileTarget(requested, file.path(), indexStat, index);
                        }
                    } catch (NoSuchFileException e) {
                        // try the next index name
                    }
                }
            }
            return new StatusTarget(HttpResponseStatus.NOT_FOUND); // no directory listings
        }
        if (found.trailingSlash() || !stat.regularFile()) {
            // "/file.html/" names a directory that does not exist; FIFOs, devices and sockets are not
            // content to serve (reading a FIFO would block a pool thread forever).
            return new StatusTarget(HttpResponseStatus.NOT_FOUND);
        }
        return new FileTarget(found.path(), real, stat, found.path().getFileName().toString());
    }

    /**
     * 301 to the same path plus '/', so relative links in the index resolve against the directory. The
     * path is the raw one, percent-encoding preserved, and the query is kept.
     */
    private static Response redirectToDirectory(Request request) {
        String path = request.rawPath();
        // "//host/dir" would be a network-path reference (RFC 3986 §4.2) and redirect off-site: collapse
        // leading slashes to one.
        int i = 0;
        while (i + 1 < path.length() && path.charAt(i + 1) == '/') {
            i++;
        }
        String location = path.substring(i) + '/' + (request.query() == null ? "" : "?" + request.query());
        Response response = Response.of(HttpResponseStatus.MOVED_PERMANENTLY);
        response.headers().set(HttpHeaderNames.LOCATION, location);
        return response;
    }

    /** RFC 9110 §12.5.3: identity refused and no coding we have is acceptable. */
    private static Response notAcceptable(boolean varies) {
        Response response = Response.of(HttpResponseStatus.NOT_ACCEPTABLE);
        if (varies) {
            response.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        }
        return response;
    }

    /** All Accept-Encoding field lines as one list (RFC 9110 §5.3), or null when there is none. */
    private static String acceptEncoding(Request request) {
        List<String> lines = request.headers().getAll(HttpHeaderNames.ACCEPT_ENCODING);
        if (lines.isEmpty()) {
            return null;
        }
        return lines.size() == 1 ? lines.get(0) : String.join(", ", lines);
    }

    private static CompletableFuture<Response> done(Response response) {
        return CompletableFuture.completedFuture(response);
    }

    /** The first bytes for content sniffing, read without moving the channel's position. */
    private byte[] prefix(Path path, FileChannel channel) throws IOException {
        if (channel != null) {
            return read(channel);
        }
        // HEAD of a file whose name says nothing: sniff so HEAD and GET report the same Content-Type.
        try (FileChannel temporary = opener.open(path)) {
            return read(temporary);
        }
    }

    private static byte[] read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(MimeTypes.SNIFF_BYTES, channel.size()));
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, buffer.position()) < 0) {
                break;
            }
        }
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    /**
     * The answer to a disk error: 403 and 404 for what the request asked for, 503 when descriptors ran out.
     * Anything else (EIO, ESTALE, ...) is a fault the operator must see, so it fails the future and
     * {@link io.carbon.http.Exchanges} logs it, with the request and the cause, before answering 500.
     */
    private CompletableFuture<Response> failed(Request request, IOException e) {
        if (e instanceof AccessDeniedException) {
            return done(Response.of(HttpResponseStatus.FORBIDDEN));
        }
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return done(Response.of(HttpResponseStatus.NOT_FOUND)); // removed while we looked, or a/b with a a file
        }
        if (OutOfDescriptors.matches(e)) {
            return done(outOfDescriptors.refuse(request, e));
        }
        return CompletableFuture.failedFuture(e);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the response is already decided and the descriptor is gone either way.
        }
    }
}
