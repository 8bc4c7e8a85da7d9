package io.carbon.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A classic (fixed-bucket) histogram of request durations, kept as one {@link LongAdder} per bucket plus the sum
 * in nanoseconds, and turned into a Prometheus histogram only when scraped.
 *
 * <p>Why not the library's {@code Histogram}: its {@code observe} goes through a buffer that, while a scrape is
 * running, takes a lock and can wait for space (an event loop must never wait), and outside a scrape hands a
 * capturing lambda to the buffer on every observation (an allocation per request unless the JIT removes it).
 * Here an observation is a bounds search over a {@code long[]} and two {@code LongAdder} increments.
 *
 * <p>A scrape reads the buckets one after the other while requests keep arriving, so it may see a request in
 * its bucket but not yet in the sum; the count is the sum of the bucket counts it read, so {@code +Inf} and
 * {@code _count} always agree, as the format requires.
 */
final class RequestDurations implements Collector {

    /** Upper bounds in seconds: 0.5 ms (a cache hit on loopback) to 10 s (a large file to a slow client). */
    static final double[] BOUNDS_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10};

    private final String name;
    private final String help;
    private final long[] boundsNanos = new long[BOUNDS_SECONDS.length];
    private final double[] upperBounds = new double[BOUNDS_SECONDS.length + 1];
    /** Non-cumulative: one adder per bucket, the last for everything above the largest bound. */
    private final LongAdder[] buckets = new LongAdder[BOUNDS_SECONDS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    RequestDurations(String name, String help) {
        this.name = name;
        this.help = help;
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            boundsNanos[i] = (long) (BOUNDS_SECONDS[i] * TimeUnit.SECONDS.toNanos(1));
            upperBounds[i] = BOUNDS_SECONDS[i];
        }
        upperBounds[BOUNDS_SECONDS.length] = Double.POSITIVE_INFINITY;
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Records one duration; a negative one (a clock oddity) counts as zero. Any thread, no allocation. */
    void observe(long nanos) {
        long value = Math.max(0, nanos);
        int i = 0;
        while (i < boundsNanos.length && value > boundsNanos[i]) {
            i++; // "le": a value equal to a bound belongs to that bound's bucket
        }
        buckets[i].increment();
        sumNanos.add(value);
    }

    @Override
    public MetricSnapshot collect() {
        long[] counts = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            counts[i] = buckets[i].sum();
        }
        double sum = sumNanos.sum() / 1e9;
        HistogramSnapshot.HistogramDataPointSnapshot point = new HistogramSnapshot.HistogramDataPointSnapshot(
                ClassicHistogramBuckets.of(upperBounds, counts), sum, Labels.EMPTY, Exemplars.EMPTY, 0L);
        return new HistogramSnapshot(new MetricMetadata(name, help), List.of(point));
    }

    @Override
    public String getPrometheusName() {
        return name;
    }
}
