package io.carbon.staticfiles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class MimeTypesTest {

    private final MimeTypes mimeTypes = new MimeTypes();

    private static final MimeTypes.Prefix NO_READ = () -> fail("content must not be read for a known name");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "index.html   | text/html; charset=utf-8",
            "INDEX.HTM    | text/html; charset=utf-8",
            "style.css    | text/css; charset=utf-8",
            "app.js       | text/javascript; charset=utf-8",
            "mod.mjs      | text/javascript; charset=utf-8",
            "data.json    | application/json; charset=utf-8",
            "logo.svg     | image/svg+xml; charset=utf-8",
            "a.png        | image/png",
            "a.jpg        | image/jpeg",
            "a.JPEG       | image/jpeg",
            "a.webp       | image/webp",
            "a.avif       | image/avif",
            "f.woff2      | font/woff2",
            "f.woff       | font/woff",
            "m.wasm       | application/wasm",
            "r.txt        | text/plain; charset=utf-8",
            "feed.xml     | application/xml; charset=utf-8",
            "favicon.ico  | image/vnd.microsoft.icon",
            "v.mp4        | video/mp4",
            "d.pdf        | application/pdf",
            "a.tar.gz     | application/gzip",
            "blob.bin     | application/octet-stream",
    })
    void knownNames(String name, String expected) throws IOException {
        assertThat(mimeTypes.contentType(name, NO_READ)).isEqualTo(expected);
    }

    @Test
    void commonWebTypesAreTikasOwnAndNeedNoRegistry() throws IOException {
        MimeTypes fresh = new MimeTypes();
        for (String extension : MimeTypes.COMMON.keySet()) {
            fresh.contentType("file." + extension, NO_READ);
        }
        fresh.contentType("app.js", NO_READ);
        fresh.contentType("font.woff2", NO_READ);
        fresh.contentType("firmware.bin", NO_READ);
        assertThat(fresh.registryLoaded()).as("Tika's registry is loaded only when needed").isFalse();
        // The table is Tika's own answers: a Tika upgrade that changes one shows up here.
        MimeTypes.COMMON.forEach((extension, type) ->
                assertThat(fresh.tikaByName("x." + extension)).as(extension).isEqualTo(type));
        assertThat(fresh.registryLoaded()).isTrue();
    }

    @Test
    void unknownNamesFallBackToContent() throws IOException {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        assertThat(mimeTypes.contentType("image.unknownext", () -> png)).isEqualTo("image/png");
        assertThat(mimeTypes.contentType("NOTES", () -> "just some text\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("text/plain; charset=utf-8");
        assertThat(mimeTypes.contentType("blob.zzz", () -> new byte[] {0, 1, 2, 3, (byte) 0xff, (byte) 0xfe, 0, 7}))
                .isEqualTo("application/octet-stream");
        assertThat(mimeTypes.contentType("empty.zzz", () -> new byte[0])).isEqualTo("application/octet-stream");
    }

    @Test
    void sniffedTypeIsRememberedPerFileVersion() throws IOException {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        assertThat(mimeTypes.contentType("pic.unknownext", "\"v1\"", () -> png)).isEqualTo("image/png");
        // The same version is not read again; a new version is.
        assertThat(mimeTypes.contentType("pic.unknownext", "\"v1\"", NO_READ)).isEqualTo("image/png");
        assertThat(mimeTypes.contentType("pic.unknownext", "\"v2\"", () -> "text\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("text/plain; charset=utf-8");
    }

    @Test
    void nameCacheIsBounded() throws IOException {
        for (int i = 0; i < 2000; i++) {
            mimeTypes.contentType("f.x" + i, () -> new byte[] {0, 1, 2});
        }
        assertThat(mimeTypes.cachedEntries()).isLessThanOrEqualTo(256);
        // Still correct after evictions.
        assertThat(mimeTypes.contentType("a.css", NO_READ)).isEqualTo("text/css; charset=utf-8");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "text/csv              | text/csv; charset=utf-8",
            "application/javascript| application/javascript; charset=utf-8",
            "image/png             | image/png",
            "application/wasm      | application/wasm",
    })
    void charsetOnlyForText(String type, String expected) {
        assertThat(MimeTypes.withCharset(type)).isEqualTo(expected);
    }
}
