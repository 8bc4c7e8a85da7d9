package io.carbon.compression;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ContentCodingTest {

    @Test
    void tokensAndSidecarSuffixes() {
        assertThat(ContentCoding.BROTLI.token()).isEqualTo("br");
        assertThat(ContentCoding.BROTLI.fileSuffix()).isEqualTo(".br");
        assertThat(ContentCoding.ZSTD.token()).isEqualTo("zstd");
        assertThat(ContentCoding.ZSTD.fileSuffix()).isEqualTo(".zst");
        assertThat(ContentCoding.GZIP.token()).isEqualTo("gzip");
        assertThat(ContentCoding.GZIP.fileSuffix()).isEqualTo(".gz");
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "<null>", value = {
            "br       | BROTLI",
            "BR       | BROTLI",
            "zstd     | ZSTD",
            "ZStd     | ZSTD",
            "gzip     | GZIP",
            "GZIP     | GZIP",
            "x-gzip   | GZIP",   // RFC 9110 §8.4.1.3
            "X-GZIP   | GZIP",
            "identity | <null>",
            "*        | <null>",
            "deflate  | <null>",
            "brotli   | <null>",
            "zst      | <null>",
            "gz       | <null>",
            "''       | <null>",
            "' gzip'  | <null>",
            "<null>   | <null>",
    })
    void fromToken(String token, ContentCoding expected) {
        assertThat(ContentCoding.fromToken(token)).isEqualTo(expected);
    }
}
