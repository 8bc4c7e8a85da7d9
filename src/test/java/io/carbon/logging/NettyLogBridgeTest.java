package io.carbon.logging;

import io.netty.util.internal.logging.InternalLogger;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge is used through a factory instance here, never installed: Netty's default factory is process-wide
 * and would leak into every later test in this JVM.
 */
class NettyLogBridgeTest {

    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-21T21:55:48.123Z"), ZoneOffset.UTC);

    private final StringWriter out = new StringWriter();

    private InternalLogger logger(boolean verbose) {
        ServerLog log = ServerLog.of(out, verbose, null, FIXED);
        return new NettyLogBridge(log).newInstance("io.netty.channel.DefaultChannelPipeline");
    }

    @Test
    void warnAndErrorReachTheServerLogWithTheirCause() {
        InternalLogger netty = logger(false);
        netty.warn("{} reached the tail of the {}", "exceptionCaught()", "pipeline", new IOException("reset"));
        netty.error("LEAK: {}", "ByteBuf.release() was not called", new IllegalStateException("leaked"));
        netty.warn("plain warning");

        String text = out.toString();
        assertThat(text).startsWith("2026-11-21T21:55:48.123Z WARN netty DefaultChannelPipeline: "
                + "exceptionCaught() reached the tail of the pipeline\n"
                + "java.io.IOException: reset\n\tat ");
        assertThat(text).contains("2026-11-21T21:55:48.123Z ERROR netty DefaultChannelPipeline: "
                + "LEAK: ByteBuf.release() was not called\n"
                + "java.lang.IllegalStateException: leaked\n\tat ");
        assertThat(text).endsWith("2026-11-21T21:55:48.123Z WARN netty DefaultChannelPipeline: plain warning\n");
        assertThat(netty.isWarnEnabled()).isTrue();
        assertThat(netty.isErrorEnabled()).isTrue();
    }

    @Test
    void debugAndTraceAreOffSoNettySkipsThem() {
        InternalLogger netty = logger(true);
        assertThat(netty.isDebugEnabled()).isFalse();
        assertThat(netty.isTraceEnabled()).isFalse();
        netty.debug("debug {}", 1);
        netty.debug("debug", new IOException("x"));
        netty.trace("trace {} {}", 1, 2);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void infoIsAVerboseLineOnlyInAVerboseLog() {
        InternalLogger quiet = logger(false);
        assertThat(quiet.isInfoEnabled()).isFalse();
        quiet.info("-Dio.netty.{}: {}", "allocator.type", "pooled");
        assertThat(out.toString()).isEmpty();

        InternalLogger verbose = logger(true);
        assertThat(verbose.isInfoEnabled()).isTrue();
        verbose.info("-Dio.netty.{}: {}", "allocator.type", "pooled");
        assertThat(out.toString())
                .isEqualTo("2026-11-21T21:55:48.123Z VERBOSE netty DefaultChannelPipeline: "
                        + "-Dio.netty.allocator.type: pooled\n");
    }
}
