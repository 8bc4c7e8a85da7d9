package io.carbon.cli;

import java.util.Properties;

/**
 * Netty settings Carbon chooses for itself, set before the first Netty class loads; a {@code -D} on the java
 * command line wins.
 *
 * <p>{@code io.netty.allocator.lowMemory=false}: Netty takes a heap limit of 512 MiB or less
 * ({@code carbon.service} runs with {@code -Xmx512m}) as a small machine, and then gives all event loops one
 * shared buffer pool instead of one each. Carbon keeps its heap small on purpose (cached files live in direct
 * memory, up to {@code MaxDirectMemorySize}), so the heap limit says nothing about the memory there is. The
 * shared pool cost 7% more CPU per request on wrk 1 KB and 15% on h2load (184k against 212k req/s), same
 * machine, same JVM options otherwise.
 *
 * <p>{@code io.netty.leakDetection.samplingInterval=4096}: Netty's leak detector (level {@code simple}, the
 * default) records a stack trace for one buffer in 128, at allocation and at release, and on HTTP/2 those
 * stacks are deep: 5–10% of the CPU per request on h2load (6.4–7.3 against 7.0–7.7 µs, two JVMs taking
 * turns). One buffer in 4096 still reports a leak that repeats, which is the kind that exhausts a
 * long-running server's direct memory; the tests run the detector at {@code paranoid}, every buffer.
 *
 * <p>{@code io.netty.jfr.enabled=false}: Netty asks whether Flight Recorder is there for its own events, and that
 * question alone loads about 100 {@code jdk.jfr} classes at start (time before the first response, metaspace);
 * Carbon defines no Netty JFR events to record. {@code -Dio.netty.jfr.enabled=true} brings them back.
 */
final class NettyDefaults {

    static final String LOW_MEMORY_ALLOCATOR = "io.netty.allocator.lowMemory";
    static final String LEAK_SAMPLING_INTERVAL = "io.netty.leakDetection.samplingInterval";
    static final String JFR = "io.netty.jfr.enabled";

    private NettyDefaults() {
    }

    /** Sets Carbon's defaults in {@code properties} (the system properties) where nothing is set yet. */
    static void apply(Properties properties) {
        properties.putIfAbsent(LOW_MEMORY_ALLOCATOR, "false");
        properties.putIfAbsent(LEAK_SAMPLING_INTERVAL, "4096");
        properties.putIfAbsent(JFR, "false");
    }
}
