package io.carbon.http;

import io.carbon.config.SecurityHeadersConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The exchange owner's rules, the same for every protocol: admission, body limits, the body rule, one report. */
class ExchangeTest {

    private final List<ExchangeOutcome> outcomes = new ArrayList<>();
    private final AtomicReference<Request> handled = new AtomicReference<>();

    private Exchanges exchanges(long maxBodySize) {
        HttpHandler echo = request -> {
            handled.set(request);
            return CompletableFuture.completedFuture(Response.of(HttpResponseStatus.NO_CONTENT));
        };
        RouteTable routes = RouteTable.builder()
                .route(new Route("publish", path -> path.startsWith("/publish"), echo, List.of(),
                        head -> BodyPolicy.buffer(10)))
                .route(new Route("static", path -> true, echo, List.of(), head -> BodyPolicy.DISCARD))
                .build();
        ResponseFinisher finisher = new ResponseFinisher(
                new StandardHeaders(new SecurityHeadersConfig(false, "", "", "", ""), ""), ErrorPages.builtInOnly());
        return new Exchanges(routes, finisher, (request, outcome) -> outcomes.add(outcome), (r, f) -> { },
                maxBodySize);
    }

    private static Request request(String method, String path, String... headers) {
        HttpHeaders fields = new DefaultHttpHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            fields.add(headers[i], headers[i + 1]);
        }
        return Request.of(HttpMethod.valueOf(method), path, fields, HttpProtocol.HTTP_2,
                new InetSocketAddress("127.0.0.1", 1), false);
    }

    @ParameterizedTest(name = "{0} {1} {2}: {3} -> {4}")
    @CsvSource(delimiter = '|', value = {
        "POST | /publish | Content-Length | 10           | -",
        "POST | /publish | Content-Length | 11           | 413",
        "POST | /file    | Content-Length | 1000         | -",
        "POST | /file    | Content-Length | 1001         | 413",
        "POST | /file    | Expect         | 100-continue | -",
        "POST | /file    | Expect         | 100-Continue | -",
        "POST | /file    | Expect         | magic        | 417",
    })
    void admissionBeforeTheBody(String method, String path, String name, String value, String refusal) {
        Exchange exchange = exchanges(1000).begin(request(method, path, name, value));
        HttpResponseStatus status = exchange.refusal();
        assertThat(status == null ? "-" : String.valueOf(status.code())).isEqualTo(refusal);
        assertThat(exchange.expectsContinue()).isEqualTo(value.equalsIgnoreCase("100-continue"));
    }

    @Test
    void aBufferedBodyReachesTheHandlerAndADiscardedOneDoesNot() {
        EmbeddedChannel loop = new EmbeddedChannel();
        Exchange publish = exchanges(1000).begin(request("POST", "/publish"));
        assertThat(feed(publish, "hello")).isTrue();
        assertThat(feed(publish, "world")).isTrue();
        publish.answer(loop.eventLoop(), response -> { });
        ByteBuffer body = handled.get().body();
        assertThat(StandardCharsets.UTF_8.decode(body).toString()).isEqualTo("helloworld");

        Exchange file = exchanges(1000).begin(request("POST", "/file"));
        assertThat(feed(file, "ignored")).isTrue();
        file.answer(loop.eventLoop(), response -> { });
        assertThat(handled.get().body()).isNull();
        assertThat(file.requestBodyBytes()).isEqualTo(7);
        loop.finishAndReleaseAll();
    }

    @Test
    void aBodyOverTheRouteLimitOrMaxBodySizeIsRefusedAsItArrives() {
        Exchange publish = exchanges(1000).begin(request("POST", "/publish"));
        assertThat(feed(publish, "0123456789")).isTrue();
        assertThat(feed(publish, "!")).as("over the route's 10 bytes").isFalse();
        Exchange file = exchanges(5).begin(request("POST", "/file"));
        assertThat(feed(file, "012345")).as("over max_body_size").isFalse();
    }

    @ParameterizedTest(name = "{0} {1} -> body {2}")
    @CsvSource({"GET, 200, true", "HEAD, 200, false", "GET, 204, false", "GET, 304, false", "GET, 101, false",
        "GET, 404, true", "POST, 500, true"})
    void whetherAResponseCarriesABody(String method, int status, boolean body) {
        assertThat(exchanges(1000).begin(request(method, "/file")).sendsBody(status)).isEqualTo(body);
    }

    @Test
    void listenersHearOnceWithWhatTheyNeed() {
        Exchange exchange = exchanges(1000).begin(request("GET", "/file"));
        feed(exchange, "abc");
        Response response = Response.of(HttpResponseStatus.OK).fromCache(true);
        response.headers().set("content-encoding", "br");
        exchange.completed(response, 200, 42, ExchangeOutcome.Cut.NONE);
        exchange.completed(response, 500, 0, ExchangeOutcome.Cut.CLIENT_GONE);
        exchange.completed(499, ExchangeOutcome.Cut.CLIENT_GONE);
        assertThat(outcomes).hasSize(1);
        ExchangeOutcome outcome = outcomes.get(0);
        assertThat(outcome.status()).isEqualTo(200);
        assertThat(outcome.requestBodyBytes()).isEqualTo(3);
        assertThat(outcome.responseBodyBytes()).isEqualTo(42);
        assertThat(outcome.contentEncoding()).isEqualTo("br");
        assertThat(outcome.cacheHit()).isTrue();
        assertThat(outcome.cut()).isEqualTo(ExchangeOutcome.Cut.NONE);
        assertThat(outcome.nanos()).isNotNegative();
        assertThat(exchange.reported()).isTrue();
    }

    private static boolean feed(Exchange exchange, String text) {
        ByteBuf bytes = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            return exchange.onBody(bytes);
        } finally {
            bytes.release();
        }
    }
}
