package io.carbon.server;

import io.carbon.testing.RawHttp;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 request smuggling (issue 14), end to end against a real server: every row is a request whose framing
 * a front end and a back end could read differently (RFC 9112 §6, §7, §2.2, §5). Each attack carries a hidden
 * second request for {@code /smuggled.html}; whatever the row, that file must never be served. A row either
 * ends the connection after one error response ({@link After#CLOSES}: the exact status, {@code Connection:
 * close}, EOF, no byte after the response), or is a request Carbon may legitimately serve ({@link After#KEEPS}:
 * the hidden bytes were body, so the next response on the connection is the one to a probe sent after it).
 * After every row the server answers a normal request on a new connection.
 */
class SmugglingTest {

    private static final String INDEX = "hello from the index\n";
    private static final String SMUGGLED = "SMUGGLED-RESPONSE\n";
    /** The request an attacker hides; answering it is the smuggling this table looks for. */
    private static final String HIDDEN = "GET /smuggled.html HTTP/1.1\r\nHost: x\r\n\r\n";
    /** HIDDEN as one chunk of a chunked body, with the last chunk after it. */
    private static final String HIDDEN_AS_CHUNK =
            Integer.toHexString(HIDDEN.length()) + "\r\n" + HIDDEN + "\r\n0\r\n\r\n";
    /** An empty chunked body followed by HIDDEN: read as chunked, HIDDEN is the next request. */
    private static final String EMPTY_CHUNKED_THEN_HIDDEN = "0\r\n\r\n" + HIDDEN;
    private static final String PROBE = "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    @TempDir
    static Path temp;
    static TestServer server;

    enum After { CLOSES, KEEPS }

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectories(temp.resolve("www"));
        Files.writeString(www.resolve("index.html"), INDEX);
        Files.writeString(www.resolve("smuggled.html"), SMUGGLED);
        server = TestServer.start(www, Files.createDirectories(temp.resolve("log")), Map.of(
                "max_body_size", "4096",
                "header_timeout", "5s"));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @AfterEach
    void serverStillAnswersOnANewConnection() throws Exception {
        try (RawHttp raw = server.raw()) {
            RawHttp.Reply reply = raw.send(PROBE).read();
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text()).isEqualTo(INDEX);
        }
    }

    private static Arguments row(String name, String request, int status, After after) {
        return Arguments.of(name, request, status, after);
    }

    private static String post(String headers, String body) {
        return "POST /index.html HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body;
    }

    private static String get(String headers, String body) {
        return "GET /index.html HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body;
    }

    static Stream<Arguments> attacks() {
        int hidden = HIDDEN.length();
        return Stream.of(
                // ---- CL.TE and TE.CL (RFC 9112 §6.1: a server MAY reject both; Carbon does, with 400) ----
                row("CL.TE: Content-Length then chunked",
                        post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", EMPTY_CHUNKED_THEN_HIDDEN),
                        400, After.CLOSES),
                row("TE.CL: chunked then Content-Length",
                        post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                row("CL.TE on GET with Content-Length: 0",
                        get("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                row("TE.CL on HTTP/1.0",
                        "POST /index.html HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
                                + HIDDEN_AS_CHUNK, 400, After.CLOSES),

                // ---- Content-Length values (RFC 9112 §6.3 item 5, RFC 9110 §8.6: 1*DIGIT) ----
                // Judgement call: identical duplicates MAY be merged (RFC 9110 §8.6); Carbon refuses them.
                row("duplicate identical Content-Length fields",
                        get("Content-Length: " + hidden + "\r\nContent-Length: " + hidden + "\r\n", HIDDEN),
                        400, After.CLOSES),
                row("Content-Length list of identical values",
                        get("Content-Length: " + hidden + ", " + hidden + "\r\n", HIDDEN), 400, After.CLOSES),
                row("conflicting Content-Length fields",
                        get("Content-Length: 0\r\nContent-Length: " + hidden + "\r\n", HIDDEN), 400, After.CLOSES),
                row("conflicting Content-Length list",
                        get("Content-Length: " + hidden + ", 0\r\n", HIDDEN), 400, After.CLOSES),
                row("negative Content-Length", get("Content-Length: -" + hidden + "\r\n", HIDDEN), 400, After.CLOSES),
                row("Content-Length with a leading plus",
                        get("Content-Length: +" + hidden + "\r\n", HIDDEN), 400, After.CLOSES),
                row("hexadecimal Content-Length",
                        get("Content-Length: 0x" + Integer.toHexString(hidden) + "\r\n", HIDDEN), 400, After.CLOSES),
                row("Content-Length with a space inside",
                        get("Content-Length: " + hidden / 10 + " " + hidden % 10 + "\r\n", HIDDEN), 400, After.CLOSES),
                row("Content-Length with trailing garbage",
                        get("Content-Length: " + hidden + "abc\r\n", HIDDEN), 400, After.CLOSES),
                row("Content-Length beyond 2^63",
                        get("Content-Length: 99999999999999999999\r\n", HIDDEN), 400, After.CLOSES),
                row("empty Content-Length", get("Content-Length: \r\n", HIDDEN), 400, After.CLOSES),
                row("Content-Length list with an empty element",
                        get("Content-Length: " + hidden + ",\r\n", HIDDEN), 400, After.CLOSES),
                // OWS around a field value is not part of it (RFC 9110 §5.5): a valid length; HIDDEN is the body.
                row("Content-Length padded with spaces and tabs",
                        get("Content-Length: \t" + hidden + " \t\r\n", HIDDEN), 200, After.KEEPS),

                // ---- obfuscated Transfer-Encoding (RFC 9112 §6.1, §7; Carbon: unknown coding 501) ----
                row("Transfer-Encoding: xchunked with Content-Length",
                        post("Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n", EMPTY_CHUNKED_THEN_HIDDEN),
                        501, After.CLOSES),
                row("Transfer-Encoding: xchunked alone",
                        post("Transfer-Encoding: xchunked\r\n", EMPTY_CHUNKED_THEN_HIDDEN), 501, After.CLOSES),
                row("Transfer-Encoding with extra leading space, and Content-Length",
                        post("Transfer-Encoding:  chunked\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                row("Transfer-Encoding: chunked followed by an empty list element, and Content-Length",
                        post("Transfer-Encoding: chunked ,\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                row("Transfer-Encoding:<TAB>chunked with Content-Length",
                        post("Transfer-Encoding:\tchunked\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                row("Transfer-Encoding: CHUNKED (case) with Content-Length",
                        post("Transfer-Encoding: CHUNKED\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                // RFC 9112 §5.1: no whitespace between field name and colon; a server MUST reject with 400.
                row("Transfer-encoding with a space before the colon",
                        post("Transfer-encoding : chunked\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                row("two Transfer-Encoding fields, chunked twice",
                        post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", HIDDEN_AS_CHUNK),
                        400, After.CLOSES),
                // Netty sees chunked and both lengths; Carbon's framing check answers the unknown coding first (501).
                row("two Transfer-Encoding fields, xchunked then chunked, with Content-Length",
                        post("Transfer-Encoding: xchunked\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n",
                                HIDDEN_AS_CHUNK), 501, After.CLOSES),
                row("two Transfer-Encoding fields, chunked then identity",
                        post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", HIDDEN_AS_CHUNK),
                        501, After.CLOSES),
                row("Transfer-Encoding: chunked, chunked in one field",
                        post("Transfer-Encoding: chunked, chunked\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                // The coding token is followed by a parameter: Carbon's framing check strips parameters (so it
                // sees "chunked"), Netty's decoder compares whole list elements (so it sees no chunked): the
                // two disagree. RFC 9112 §7: chunked has no parameters; the only safe answers are 400/501.
                row("Transfer-Encoding: chunked;foo=bar with Content-Length",
                        post("Transfer-Encoding: chunked;foo=bar\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK),
                        400, After.CLOSES),
                row("Transfer-Encoding: chunked;foo=bar alone",
                        post("Transfer-Encoding: chunked;foo=bar\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                // A header line starting with whitespace right after the request line: RFC 9112 §2.2 says reject,
                // or ignore that line. Here CL frames HIDDEN as body either way; if the line were taken as a field,
                // the request would have both lengths (400).
                row("whitespace-prefixed Transfer-Encoding as the first field line",
                        "POST /index.html HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: x\r\nContent-Length: "
                                + hidden + "\r\n\r\n" + HIDDEN, 400, After.CLOSES),
                // TE hidden in an obs-fold continuation of another field. RFC 9112 §5.2: reject with 400, or replace
                // the fold with SP (then TE is part of X-A's value, CL frames HIDDEN as body): never chunked.
                // Carbon (Netty) replaces the fold with SP: 200, HIDDEN read as body.
                row("Transfer-Encoding in an obs-fold continuation line",
                        get("X-A: a\r\n Transfer-Encoding: chunked\r\nContent-Length: " + (HIDDEN_AS_CHUNK.length())
                                + "\r\n", HIDDEN_AS_CHUNK), 200, After.KEEPS),
                row("Transfer-Encoding value folded onto the next line, with Content-Length",
                        post("Transfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n", HIDDEN_AS_CHUNK), 400, After.CLOSES),
                row("Transfer-Encoding on HTTP/1.0",
                        "POST /index.html HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + EMPTY_CHUNKED_THEN_HIDDEN,
                        400, After.CLOSES),

                // ---- chunk lines (RFC 9112 §7.1: chunk-size = 1*HEXDIG; lines end in CRLF) ----
                row("chunk size overflowing 64 bits",
                        post("Transfer-Encoding: chunked\r\n", "10000000000000000\r\nabc\r\n0\r\n\r\n" + HIDDEN),
                        400, After.CLOSES),
                row("chunk size ffffffffffffffff1",
                        post("Transfer-Encoding: chunked\r\n", "ffffffffffffffff1\r\nabc\r\n0\r\n\r\n" + HIDDEN),
                        400, After.CLOSES),
                row("non-hex chunk size", post("Transfer-Encoding: chunked\r\n", "5g\r\nhello\r\n0\r\n\r\n" + HIDDEN),
                        400, After.CLOSES),
                row("chunk size with 0x prefix",
                        post("Transfer-Encoding: chunked\r\n", "0x5\r\nhello\r\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                row("chunk size with a plus sign",
                        post("Transfer-Encoding: chunked\r\n", "+5\r\nhello\r\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                row("negative chunk size",
                        post("Transfer-Encoding: chunked\r\n", "-5\r\nhello\r\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                row("empty chunk size line",
                        post("Transfer-Encoding: chunked\r\n", "\r\nhello\r\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                // More data than the size announced: the two bytes after the data must be CRLF (§7.1).
                row("chunk data longer than its size",
                        post("Transfer-Encoding: chunked\r\n", "3\r\nabcdef\r\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                row("chunk extension with a bare CR",
                        post("Transfer-Encoding: chunked\r\n", "5;a=b\rc\r\nhello\r\n0\r\n\r\n" + HIDDEN),
                        400, After.CLOSES),
                row("chunk extension with a bare LF",
                        post("Transfer-Encoding: chunked\r\n", "5;a=b\nc\r\nhello\r\n0\r\n\r\n" + HIDDEN),
                        400, After.CLOSES),
                row("chunk size line ended by a bare LF",
                        post("Transfer-Encoding: chunked\r\n", "5\nhello\r\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                row("chunk size line ended by a bare CR",
                        post("Transfer-Encoding: chunked\r\n", "5\rhello\r\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                row("chunk data ended by a bare LF",
                        post("Transfer-Encoding: chunked\r\n", "5\r\nhello\n0\r\n\r\n" + HIDDEN), 400, After.CLOSES),
                row("last chunk ended by a bare LF",
                        post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\n\r\n" + HIDDEN), 400, After.CLOSES),

                // ---- line endings of the head (RFC 9112 §2.2) ----
                // Judgement call: a recipient MAY accept a bare LF as a line terminator; Carbon is strict (400).
                row("request line ended by a bare LF", "GET /index.html HTTP/1.1\nHost: x\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                row("field line ended by a bare LF", "GET /index.html HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                row("head ended by bare LFs", "GET /index.html HTTP/1.1\r\nHost: x\n\n" + HIDDEN, 400, After.CLOSES),
                // A bare CR MUST be rejected or replaced by SP.
                row("request line ended by a bare CR", "GET /index.html HTTP/1.1\rHost: x\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                row("bare CR inside a field value", get("X-A: a\rb\r\n", HIDDEN), 400, After.CLOSES),
                row("field line ended by a bare CR", "GET /index.html HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                // RFC 9112 §2.2 lets a recipient replace a bare CR with SP; Carbon (Netty) splits the request line
                // on it as on whitespace: the target is /index.html (200). HIDDEN is then a plain pipelined
                // request, so it is left out.
                row("bare CR in the request target", "GET /index.html\r HTTP/1.1\r\nHost: x\r\n\r\n",
                        200, After.KEEPS),

                // ---- obs-fold (RFC 9112 §5.2: 400, or replace with SP). Carbon replaces it with SP: 200. ----
                row("obs-fold continuation of an ordinary field", get("X-A: a\r\n b\r\n", ""), 200, After.KEEPS),

                // ---- control bytes in names and values (RFC 9110 §5.1, §5.5) ----
                row("NUL in a field name", get("X\u0000A: b\r\n", HIDDEN), 400, After.CLOSES),
                row("NUL in a field value", get("X-A: a\u0000b\r\n", HIDDEN), 400, After.CLOSES),
                row("SOH in a field value", get("X-A: a\u0001b\r\n", HIDDEN), 400, After.CLOSES),
                row("ESC in a field value", get("X-A: a\u001bb\r\n", HIDDEN), 400, After.CLOSES),
                row("DEL in a field value", get("X-A: a\u007fb\r\n", HIDDEN), 400, After.CLOSES),
                row("vertical tab in a field name", get("X\u000bA: b\r\n", HIDDEN), 400, After.CLOSES),
                row("space inside a field name", get("X A: b\r\n", HIDDEN), 400, After.CLOSES),
                row("empty field name", get(": b\r\n", HIDDEN), 400, After.CLOSES),
                row("control byte in the method", "G\u0001ET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                // Not a framing problem: the request line splits cleanly and the path is refused by the static
                // files (400) with the connection kept, as RFC 9112 §3 allows (400, nothing about closing).
                row("NUL in the request target", "GET /index\u0000.html HTTP/1.1\r\nHost: x\r\n\r\n",
                        400, After.KEEPS),
                // obs-text is allowed in field values (RFC 9110 §5.5): a normal request.
                row("obs-text (0x80-0xff) in a field value", get("X-A: caf\u00e9\u00ff\r\n", ""), 200, After.KEEPS),

                // ---- the request line (RFC 9112 §3) ----
                row("space inside the request target",
                        "GET /index.html /smuggled.html HTTP/1.1\r\nHost: x\r\n\r\n" + HIDDEN, 400, After.CLOSES),
                row("space inside a path segment", "GET /index .html HTTP/1.1\r\nHost: x\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                row("tab inside the request target", "GET /index\t.html HTTP/1.1\r\nHost: x\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                // RFC 9112 §3: recipients MAY parse on whitespace-delimited word boundaries; Carbon (Netty) does.
                row("two spaces between method and target", "GET  /index.html HTTP/1.1\r\nHost: x\r\n\r\n",
                        200, After.KEEPS),
                row("space after the version", "GET /index.html HTTP/1.1 \r\nHost: x\r\n\r\n" + HIDDEN,
                        400, After.CLOSES),
                // RFC 9112 §3.2.2: the authority of an absolute-form target replaces Host; a normal request.
                row("absolute-form target naming a different host",
                        "GET http://other.example/index.html HTTP/1.1\r\nHost: x\r\n\r\n", 200, After.KEEPS),
                row("absolute-form target with userinfo",
                        "GET http://x@other.example/index.html HTTP/1.1\r\nHost: x\r\n\r\n" + HIDDEN, 400, After.CLOSES),
                row("absolute-form target with an empty authority",
                        "GET http:///index.html HTTP/1.1\r\nHost: x\r\n\r\n" + HIDDEN, 400, After.CLOSES),

                // ---- a request hidden in a body the method does not use ----
                row("GET with Content-Length whose body is a pipelined request",
                        get("Content-Length: " + hidden + "\r\n", HIDDEN), 200, After.KEEPS),
                row("GET with a chunked body whose chunk is a pipelined request",
                        get("Transfer-Encoding: chunked\r\n", HIDDEN_AS_CHUNK), 200, After.KEEPS),
                // Framing fields in a trailer section mean nothing (RFC 9112 §7.1.2); HIDDEN is chunk data.
                row("framing fields in the trailer section",
                        get("Transfer-Encoding: chunked\r\n", Integer.toHexString(hidden) + "\r\n" + HIDDEN
                                + "\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 200, After.KEEPS));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("attacks")
    void noRequestIsSmuggled(String name, String request, int status, After after) throws Exception {
        attack(name, request, status, after);
    }

    /**
     * RFC 9110 §5.6.1: a recipient ignores empty list elements, so {@code chunked ,} is chunked. Carbon agrees
     * (the POST is read as chunked and answered 405 by the static files, connection kept); HIDDEN is chunk data
     * and must not be answered.
     */
    @Test
    void chunkedWithAnEmptyListElementIsChunked() throws Exception {
        attack("Transfer-Encoding: chunked , alone", post("Transfer-Encoding: chunked ,\r\n", HIDDEN_AS_CHUNK),
                405, After.KEEPS);
    }

    private static void attack(String name, String request, int status, After after) throws Exception {
        try (RawHttp raw = server.raw()) {
            raw.send(request.getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Reply reply = raw.read();
            assertThat(reply.text()).as(name + ": the hidden request was answered").doesNotContain(SMUGGLED);
            assertThat(reply.status()).as(name).isEqualTo(status);
            if (after == After.CLOSES) {
                assertThat(reply.header("connection")).as(name).isEqualTo("close");
                byte[] rest = raw.readToEnd();
                assertThat(new String(rest, StandardCharsets.ISO_8859_1))
                        .as(name + ": nothing may follow the error response").isEmpty();
                assertThat(raw.closedByServer()).as(name + ": the connection is closed").isTrue();
            } else {
                if (status == 200) {
                    assertThat(reply.text()).as(name).isEqualTo(INDEX);
                }
                // Whatever the server took from the attack, the next response must be the probe's.
                RawHttp.Reply next = raw.send(PROBE).read();
                assertThat(next.text()).as(name + ": the hidden request was answered").doesNotContain(SMUGGLED);
                assertThat(next.status()).isEqualTo(200);
                assertThat(next.text()).isEqualTo(INDEX);
                assertThat(new String(raw.readToEnd(), StandardCharsets.ISO_8859_1)).isEmpty();
                assertThat(raw.closedByServer()).isTrue();
            }
        }
    }
}
