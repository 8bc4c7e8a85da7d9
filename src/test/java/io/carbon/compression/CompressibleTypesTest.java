package io.carbon.compression;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressibleTypesTest {

    /** The default of compression_types. */
    private static final CompressibleTypes DEFAULTS = new CompressibleTypes(List.of("text/*",
            "application/javascript", "application/json", "application/*+json", "application/xml",
            "application/*+xml", "image/svg+xml", "application/wasm"));

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', nullValues = "<null>", value = {
            // type/*
            "text/html                               | true",
            "text/css                                | true",
            "text/plain; charset=us-ascii            | true",
            "text/x-anything                         | true",
            // exact
            "application/json                        | true",
            "application/javascript                  | true",
            "application/wasm                        | true",
            "image/svg+xml                           | true",
            "application/jsonx                       | false",
            "application/json5                       | false",
            "image/svg                               | false",
            // type/*+suffix (RFC 6838 §4.2.8)
            "application/ld+json                     | true",
            "application/ld+json; charset=utf-8      | true",
            "application/vnd.api+json                | true",
            "application/xhtml+xml                   | true",
            "application/+json                       | false",
            "application/ld+jsonp                    | false",
            "text/ld+json                            | true",
            "image/ld+json                           | false",
            // case (RFC 9110 §8.3.1) and parameters
            "TEXT/HTML                               | true",
            "Text/Html;Charset=UTF-8                 | true",
            "APPLICATION/LD+JSON                     | true",
            "Image/SVG+XML                           | true",
            "'  text/html  '                         | true",
            "'text/html ;charset=utf-8'              | true",
            "'text/html;'                            | true",
            // not worth compressing
            "image/png                               | false",
            "image/webp                              | false",
            "video/mp4                               | false",
            "font/woff2                              | false",
            "application/octet-stream                | false",
            "application/zip                         | false",
            "application/gzip                        | false",
            // malformed
            "<null>                                  | false",
            "''                                      | false",
            "text                                    | false",
            "text/                                   | false",
            "/html                                   | false",
            "/                                       | false",
            "text/html/x                             | false",
            "'text /html'                            | false",
            "'text/ html'                            | false",
            "'te xt/html'                            | false",
            "';text/html'                            | false",
            "'\"text/html\"'                         | false",
            "text/h(tml)                             | false",
            "'text;/html'                            | false",
            "'text; charset=utf-8/html'              | false",
    })
    void matchesDefaults(String contentType, boolean expected) {
        assertThat(DEFAULTS.matches(contentType)).isEqualTo(expected);
    }

    @Test
    void onlyTheConfiguredPatternsMatch() {
        CompressibleTypes types = new CompressibleTypes(List.of("application/json"));
        assertThat(types.matches("application/json")).isTrue();
        assertThat(types.matches("text/html")).isFalse();
        assertThat(types.matches("application/ld+json")).isFalse();
        assertThat(new CompressibleTypes(List.of()).matches("text/html")).isFalse();
    }

    @Test
    void patternsAreCaseInsensitiveToo() {
        CompressibleTypes types = new CompressibleTypes(List.of("Application/*+JSON", "TEXT/*"));
        assertThat(types.matches("application/ld+json")).isTrue();
        assertThat(types.matches("text/css")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text", "text/", "/json", "text/*+", "text/**", "text/ht ml", "text/a/b", "text/*x"})
    void rejectsMalformedPatterns(String pattern) {
        assertThatThrownBy(() -> new CompressibleTypes(List.of(pattern)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(pattern);
    }

    @Test
    void toStringListsThePatterns() {
        assertThat(new CompressibleTypes(List.of("text/*", "application/*+json", "image/svg+xml")))
                .hasToString("CompressibleTypes[application/*+json, image/svg+xml, text/*]");
    }
}
