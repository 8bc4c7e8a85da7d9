package io.carbon.staticfiles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ETagsTest {

    @TempDir
    Path tmp;

    @Test
    void formatsSizeMtimeAndInodeInHex() {
        assertThat(ETags.etag(255, 4096, 17)).isEqualTo("\"ff-1000-11\"");
    }

    @Test
    void etagChangesWithContentAndWithReplacement() throws IOException {
        Path file = Files.writeString(tmp.resolve("a.txt"), "hello");
        FileTime fixed = FileTime.from(Instant.parse("2024-01-02T03:04:05.123456789Z"));
        Files.setLastModifiedTime(file, fixed);
        FileStat first = FileStat.read(file);
        assertThat(first.regularFile()).isTrue();
        assertThat(first.size()).isEqualTo(5);
        assertThat(first.mtimeSeconds()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z").getEpochSecond());
        assertThat(ETags.etag(first)).matches("\"5-[0-9a-f]+-[0-9a-f]+\"");

        // Same size and mtime, but a different file moved into place (a deploy): the inode differs.
        Path other = Files.writeString(tmp.resolve("b.txt"), "world");
        Files.setLastModifiedTime(other, fixed);
        Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);
        assertThat(ETags.etag(FileStat.read(file))).isNotEqualTo(ETags.etag(first));
    }

    @Test
    void lastModifiedIsImfFixdate() {
        assertThat(ETags.httpDate(784111777L)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Sun, 06 Nov 1994 08:49:37 GMT  | 784111777",
            "Sunday, 06-Nov-94 08:49:37 GMT | 784111777",
            "Sun Nov  6 08:49:37 1994       | 784111777",
            "not a date                     | ",
    })
    void parsesTheThreeDateForms(String value, Long expected) {
        assertThat(ETags.parseHttpDate(value)).isEqualTo(expected);
    }

    @Test
    void parsesEntityTagLists() {
        assertThat(ETags.parseList("\"a\", W/\"b\" ,\"c,d\", bogus, \"e\""))
                .containsExactly("\"a\"", "W/\"b\"", "\"c,d\"", "\"e\"");
        assertThat(ETags.parseList("\"unterminated")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // a       | b        | strong | weak    (RFC 9110 §8.8.3.2 table)
            "W/\"1\"   | W/\"1\"  | false  | true",
            "W/\"1\"   | W/\"2\"  | false  | false",
            "W/\"1\"   | \"1\"    | false  | true",
            "\"1\"     | \"1\"    | true   | true",
    })
    void comparison(String a, String b, boolean strong, boolean weak) {
        assertThat(ETags.strongMatch(a, b)).isEqualTo(strong);
        assertThat(ETags.weakMatch(a, b)).isEqualTo(weak);
        assertThat(List.of(ETags.strongMatch(b, a), ETags.weakMatch(b, a))).containsExactly(strong, weak);
    }
}
