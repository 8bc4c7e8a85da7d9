package io.carbon.staticfiles;

import io.carbon.http.Body;
import io.carbon.staticfiles.Ranges.ByteRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RangesTest {

    @TempDir
    Path tmp;

    /** expected: FULL, 416, or the satisfiable ranges "a-b;c-d" in order. */
    @ParameterizedTest(name = "[{index}] {0} / {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "-                       | 100 | FULL",
            "bytes=0-9               | 100 | 0-9",
            "bytes=10-               | 100 | 10-99",
            "bytes=-10               | 100 | 90-99",
            "bytes=-1000             | 100 | 0-99",
            "bytes=0-1000            | 100 | 0-99",
            "bytes=99-99             | 100 | 99-99",
            "BYTES = 0-0             | 100 | 0-0",
            "bytes= 0 - 9 ,  20-29   | 100 | 0-9;20-29",
            "bytes=0-9,,20-29        | 100 | 0-9;20-29",
            "bytes=50-59,0-9         | 100 | 50-59;0-9",
            "bytes=0-9,200-300       | 100 | 0-9",
            "bytes=0-9,10-19         | 100 | 0-9;10-19",
            // unsatisfiable
            "bytes=100-              | 100 | 416",
            "bytes=100-200           | 100 | 416",
            "bytes=-0                | 100 | 416",
            "bytes=200-300,150-      | 100 | 416",
            "bytes=99999999999999999999999- | 100 | 416",
            // invalid syntax or unit: ignored
            "bytes=9-0               | 100 | FULL",
            "bytes=abc               | 100 | FULL",
            "bytes=1-2-3             | 100 | FULL",
            "bytes=-                 | 100 | FULL",
            "bytes=                  | 100 | FULL",
            "bytes=0x10-20           | 100 | FULL",
            "bytes=0-9,x             | 100 | FULL",
            "items=0-9               | 100 | FULL",
            "0-9                     | 100 | FULL",
            // abuse: overlapping (also when in descending order), too many
            "bytes=0-50,40-60        | 100 | FULL",
            "bytes=40-60,0-50        | 100 | FULL",
            "bytes=0-,0-             | 100 | FULL",
            "bytes=-10,90-           | 100 | FULL",
            "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15 | 100 | 0-0;1-1;2-2;3-3;4-4;5-5;6-6;7-7;8-8;9-9;10-10;11-11;12-12;13-13;14-14;15-15",
            "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15,16-16 | 100 | FULL",
            // empty representation
            "bytes=0-                | 0   | 416",
            "bytes=0-0               | 0   | 416",
            "bytes=-5                | 0   | FULL",
    })
    void parsesAndDecides(String header, long size, String expected) {
        Ranges.Decision decision = Ranges.evaluate(header, size);
        switch (expected) {
            case "FULL" -> assertThat(decision).isInstanceOf(Ranges.Full.class);
            case "416" -> assertThat(decision).isInstanceOf(Ranges.Unsatisfiable.class);
            default -> {
                assertThat(decision).isInstanceOf(Ranges.Partial.class);
                String actual = ((Ranges.Partial) decision).ranges().stream()
                        .map(r -> r.first() + "-" + r.last()).collect(Collectors.joining(";"));
                assertThat(actual).isEqualTo(expected);
            }
        }
    }

    static final String ETAG = "\"5-abc-7\"";
    static final long LM = 784111777L; // Sun, 06 Nov 1994 08:49:37 GMT

    @ParameterizedTest(name = "[{index}] If-Range {0} (now=LM+{1}) -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "-                              | 100 | true",
            "\"5-abc-7\"                    | 100 | true",
            "\"other\"                      | 100 | false",
            "W/\"5-abc-7\"                  | 100 | false",
            "Sun, 06 Nov 1994 08:49:37 GMT  | 100 | true",
            "Sun, 06 Nov 1994 08:49:38 GMT  | 100 | false",
            "Sun, 06 Nov 1994 08:49:36 GMT  | 100 | false",
            // Last-Modified within the current second is not a strong validator (RFC 9110 §8.8.2.2)
            "Sun, 06 Nov 1994 08:49:37 GMT  | 0   | false",
            "garbage                        | 100 | false",
    })
    void ifRange(String ifRange, long age, boolean allows) {
        assertThat(Ranges.ifRangeAllows(ifRange, ETAG, LM, LM + age)).isEqualTo(allows);
    }

    @Test
    void multipartFramingFollowsRfc9110Section14_6() throws IOException {
        Path file = Files.writeString(tmp.resolve("f.txt"), "0123456789abcdefghij");
        List<ByteRange> ranges = List.of(new ByteRange(0, 2), new ByteRange(15, 19));
        List<FileChannel> opened = new ArrayList<>();
        Body body = MultipartByteRanges.build(ranges, 20, "text/plain; charset=utf-8", "BOUND", r -> {
            FileChannel ch = FileChannel.open(file);
            opened.add(ch);
            return new Body.FileSegment(ch, r.first(), r.length(), Runnable::run);
        });
        try {
            assertThat(opened).hasSize(2);
            assertThat(opened.get(0)).isNotSameAs(opened.get(1));
            String expected = "--BOUND\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Range: bytes 0-2/20\r\n"
                    + "\r\n"
                    + "012"
                    + "\r\n--BOUND\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Range: bytes 15-19/20\r\n"
                    + "\r\n"
                    + "fghij"
                    + "\r\n--BOUND--\r\n";
            assertThat(new String(Bodies.bytes(body), StandardCharsets.US_ASCII)).isEqualTo(expected);
            assertThat(body.length()).isEqualTo(expected.length());
        } finally {
            body.release();
        }
        assertThat(opened).allMatch(ch -> !ch.isOpen());
    }

    @Test
    void multipartReleasesWhatItOpenedWhenAnOpenFails() throws IOException {
        Path file = Files.writeString(tmp.resolve("f.txt"), "0123456789");
        List<FileChannel> opened = new ArrayList<>();
        List<ByteRange> ranges = List.of(new ByteRange(0, 1), new ByteRange(4, 5), new ByteRange(8, 9));
        assertThatThrownBy(() -> MultipartByteRanges.build(ranges, 10, "text/plain", "B", r -> {
            if (opened.size() == 2) {
                throw new IOException("boom");
            }
            FileChannel ch = FileChannel.open(file);
            opened.add(ch);
            return new Body.FileSegment(ch, r.first(), r.length(), Runnable::run);
        })).hasMessage("boom");
        assertThat(opened).hasSize(2).allMatch(ch -> !ch.isOpen());
        // The heap buffers for boundaries were released too: the PARANOID leak detector would report them.
    }

    @Test
    void boundariesDiffer() {
        assertThat(MultipartByteRanges.newBoundary()).isNotEqualTo(MultipartByteRanges.newBoundary())
                .matches("[0-9A-Za-z-]{1,70}");
    }
}
