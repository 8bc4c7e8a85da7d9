package io.carbon.logging;

import io.carbon.config.LoggingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerLogTest {

    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-21T21:55:48.123Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void writesTimestampedLinesWithLevels() {
        StringWriter out = new StringWriter();
        try (ServerLog log = ServerLog.of(out, false, null, FIXED)) {
            log.info("started on port 8080");
            log.warn("low on file descriptors");
        }
        assertThat(out.toString()).isEqualTo(
                "2026-11-21T21:55:48.123Z INFO started on port 8080\n"
                        + "2026-11-21T21:55:48.123Z WARN low on file descriptors\n");
    }

    @Test
    void millisecondsArePrintedEvenWhenZero() {
        StringWriter out = new StringWriter();
        ServerLog log = ServerLog.of(out, false, null,
                Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC));
        log.info("x");
        assertThat(out.toString()).isEqualTo("2026-01-02T03:04:05.000Z INFO x\n");
    }

    @Test
    void errorCarriesTheStackTrace() {
        StringWriter out = new StringWriter();
        ServerLog log = ServerLog.of(out, false, null, FIXED);
        log.error("bind failed", new IllegalStateException("boom"));
        log.error("no cause", null);
        String text = out.toString();
        assertThat(text).startsWith("2026-11-21T21:55:48.123Z ERROR bind failed\n"
                + "java.lang.IllegalStateException: boom\n\tat ");
        assertThat(text).contains("ServerLogTest.errorCarriesTheStackTrace");
        assertThat(text).endsWith("\n2026-11-21T21:55:48.123Z ERROR no cause\n");
    }

    @Test
    void verboseLinesOnlyWhenVerbose() {
        StringWriter quiet = new StringWriter();
        ServerLog off = ServerLog.of(quiet, false, null, FIXED);
        off.verbose("connection from 10.0.0.1");
        off.info("visible");
        assertThat(off.isVerbose()).isFalse();
        assertThat(quiet.toString()).isEqualTo("2026-11-21T21:55:48.123Z INFO visible\n");

        StringWriter loud = new StringWriter();
        ServerLog on = ServerLog.of(loud, true, null, FIXED);
        on.verbose("connection from 10.0.0.1");
        assertThat(on.isVerbose()).isTrue();
        assertThat(loud.toString()).isEqualTo("2026-11-21T21:55:48.123Z VERBOSE connection from 10.0.0.1\n");
    }

    @Test
    void controlCharactersInMessagesCannotForgeLines() {
        StringWriter out = new StringWriter();
        ServerLog log = ServerLog.of(out, true, null, FIXED);
        log.verbose("bad header\r\n2026-11-21T00:00:00.000Z ERROR forged\u0000");
        assertThat(out.toString()).isEqualTo("2026-11-21T21:55:48.123Z VERBOSE bad header\\x0D\\x0A"
                + "2026-11-21T00:00:00.000Z ERROR forged\\x00\n");
    }

    @Test
    void mirrorsEveryLineToTheGivenStream() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter out = new StringWriter();
        ServerLog log = ServerLog.of(out, false, new PrintStream(err, true, StandardCharsets.UTF_8), FIXED);
        log.info("hello");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(out.toString()).isNotEmpty();
    }

    @Test
    void opensTheConfiguredFileCreatingDirectoriesAndAppends() throws IOException {
        Path file = dir.resolve("a/b/server.log");
        LoggingConfig config = new LoggingConfig(file, null, 1024, false);
        try (ServerLog log = ServerLog.open(file, config.verbose(), null)) {
            log.info("first");
        }
        try (ServerLog log = ServerLog.open(file, false, null)) {
            log.warn("second");
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO first");
        assertThat(lines.get(1)).endsWith(" WARN second");
    }

    @Test
    void unopenablePathNamesThePathAndTheReason() {
        // A directory cannot be opened for writing, whatever the user's privileges (tests may run as root).
        assertThatThrownBy(() -> ServerLog.open(new LoggingConfig(dir, null, 1024, false)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("log_file")
                .hasMessageContaining("Is a directory");
    }

    @Test
    void parentThatIsAFileIsReported() throws IOException {
        Path notADir = Files.writeString(dir.resolve("plain"), "x");
        Path file = notADir.resolve("server.log");
        assertThatThrownBy(() -> ServerLog.open(file, false, null))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a directory");
    }

    @Test
    void writeErrorsAreCountedNotThrown() {
        Writer broken = new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        ServerLog log = ServerLog.of(broken, false, null, FIXED);
        log.info("one");
        log.error("two", new RuntimeException("x"));
        assertThat(log.writeFailures()).isEqualTo(2);
    }

    @Test
    void loggingAfterCloseDoesNotThrow() {
        StringWriter out = new StringWriter();
        ServerLog log = ServerLog.of(out, false, null, FIXED);
        log.close();
        log.close();
        log.info("late");
        assertThat(out.toString()).isEmpty();
    }
}
