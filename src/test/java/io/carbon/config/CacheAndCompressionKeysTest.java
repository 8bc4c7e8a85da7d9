package io.carbon.config;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The file-cache and compression keys: accepted forms and the errors for everything else. */
class CacheAndCompressionKeysTest {

    @TempDir
    Path tmp;

    private ServerConfig load(String key, String value) throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        return new ConfigLoader(Map.of(), w -> { }).fromSettings(Map.of("www_path", www.toString(), key, value));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "cache_max_bytes     | 0        | cache_max_bytes=0",
            "cache_max_bytes     | 64MiB    | cache_max_bytes=67108864",
            "cache_max_file_size | 512KiB   | cache_max_file_size=524288",
            "cache_revalidate_ms | 250      | revalidate=PT0.25S",
            "cache_revalidate_ms | 0        | revalidate=PT0S",
            "cache_revalidate_ms | 2s       | revalidate=PT2S",
            "compression         | 'GZIP br'| encodings=[gzip, br]",
            "compression         | ''       | encodings=[]",
            "compression_types   | 'text/html, Application/*+JSON' | types=[text/html, application/*+json]",
    })
    void acceptsValidForms(String key, String value, String expected) throws Exception {
        ServerConfig config = load(key, value);
        String actual = switch (key) {
            case "cache_max_bytes" -> "cache_max_bytes=" + config.cache().maxBytes();
            case "cache_max_file_size" -> "cache_max_file_size=" + config.cache().maxFileSize();
            case "cache_revalidate_ms" -> "revalidate=" + config.cache().revalidate();
            case "compression" -> "encodings=" + config.compression().encodings();
            default -> "types=" + config.compression().types();
        };
        assertThat(actual).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "compression            | br, deflate | expected a list of br, zstd, gzip, got \"deflate\"",
            "compression            | br gzip br  | \"br\" is listed twice",
            "compression_level_gzip | 10          | compression_level_gzip",
            "compression_level_brotli | 12        | compression_level_brotli",
            "compression_level_zstd | 0           | compression_level_zstd",
            "compression_types      | text        | expected media types like text/*",
            "compression_types      | */*         | expected media types like text/*",
            "cache_revalidate_ms    | -1          | expected milliseconds from 0 to 3600000",
            "cache_revalidate_ms    | 2 hours     | expected milliseconds",
            "compression_min_size   | lots        | compression_min_size",
    })
    void rejectsInvalidValuesNamingTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> load(key, value))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(key)
                .hasMessageContaining(message);
    }

    @org.junit.jupiter.api.Test
    void defaultsMatchTheDocumentedOnes() throws Exception {
        ServerConfig config = load("precompressed", "true");
        assertThat(config.cache()).isEqualTo(new FileCacheConfig(256L << 20, 10L << 20, Duration.ofMillis(1000)));
        assertThat(config.compression().encodings()).isEqualTo(List.of("br", "zstd", "gzip"));
        assertThat(config.compression().minSize()).isEqualTo(1024);
    }
}
