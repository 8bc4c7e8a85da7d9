package io.carbon.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class PreparedHeadersTest {

    private static final PreparedHeaders FIELDS = PreparedHeaders.builder()
            .add("ETag", "\"1-2\"")
            .add(HttpHeaderNames.CONTENT_TYPE, "text/css")
            .add(HttpHeaderNames.CONTENT_LENGTH, 42)
            .build();

    @Test
    void rendersLowerCaseHttp1LinesInOrder() {
        assertThat(new String(FIELDS.http1Lines(), StandardCharsets.US_ASCII))
                .isEqualTo("etag: \"1-2\"\r\ncontent-type: text/css\r\ncontent-length: 42\r\n");
        assertThat(FIELDS.get("Content-Length")).isEqualTo("42");
        assertThat(FIELDS.get("vary")).isNull();
    }

    @Test
    void aResponseKeepsItsPreparedFieldsUntilItsMapIsAskedFor() {
        Response response = new Response(HttpResponseStatus.OK, FIELDS, Body.EMPTY);
        assertThat(response.prepared()).isSameAs(FIELDS);
        HttpHeaders map = response.headers();
        assertThat(map.get(HttpHeaderNames.ETAG)).isEqualTo("\"1-2\"");
        assertThat(map.get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("42");
        // The map may be changed now: the prepared form no longer tells the whole truth.
        assertThat(response.prepared()).isNull();
        assertThat(response.headers()).isSameAs(map);
    }

    @Test
    void aResponseBuiltWithAMapHasNoPreparedFields() {
        assertThat(new Response(HttpResponseStatus.OK, new DefaultHttpHeaders(), Body.EMPTY).prepared()).isNull();
    }

    @Test
    void joinsWithTheStandardFieldsFlatAndInOrderKeepingTheLastJoin() {
        PreparedHeaders second = PreparedHeaders.builder().add("Date", "Mon, 07 Dec 2026 02:00:00 GMT")
                .add("Server", "Carbon").build();
        AsciiString[] pairs = FIELDS.pairsWith(second);
        assertThat(Arrays.stream(pairs).map(AsciiString::toString)).containsExactly(
                "etag", "\"1-2\"", "content-type", "text/css", "content-length", "42",
                "date", "Mon, 07 Dec 2026 02:00:00 GMT", "server", "Carbon");
        // The same second's fields: the same array; the next second's: a new one.
        assertThat(FIELDS.pairsWith(second)).isSameAs(pairs);
        PreparedHeaders next = PreparedHeaders.builder().add("Date", "Mon, 07 Dec 2026 02:00:01 GMT").build();
        assertThat(FIELDS.pairsWith(next)).isNotSameAs(pairs).hasSize(8);
    }

    @Test
    void knowsItsContentEncoding() {
        assertThat(FIELDS.contentEncoding()).isNull();
        assertThat(PreparedHeaders.builder().add(HttpHeaderNames.CONTENT_ENCODING, "br").build().contentEncoding())
                .isEqualTo("br");
    }
}
