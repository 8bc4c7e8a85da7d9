package io.carbon.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The route table: first match by path, the method rule (OPTIONS, 405 with Allow), 404, body policies, decorators. */
class RouteTableTest {

    private static final HttpHandler STATIC = text("static");
    private static final HttpHandler WS = text("ws");

    private static HttpHandler text(String who) {
        return request -> CompletableFuture.completedFuture(Response.text(HttpResponseStatus.OK, who));
    }

    private static Request request(String method, String target) {
        return Request.of(HttpMethod.valueOf(method), target, new DefaultHttpHeaders(), HttpProtocol.HTTP_1_1,
                new InetSocketAddress("127.0.0.1", 1), false);
    }

    private static final RouteTable TABLE = RouteTable.builder()
            .route(new Route("ws", path -> path.startsWith("/ws"), WS, List.of(),
                    head -> HttpMethod.POST.equals(head.method()) ? BodyPolicy.buffer(100) : BodyPolicy.DISCARD))
            .route(Route.of("static", path -> path.startsWith("/"), STATIC, HttpMethod.GET, HttpMethod.HEAD))
            .build();

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @CsvSource(delimiter = '|', value = {
        "GET     | /index.html | 200 | static",
        "HEAD    | /index.html | 200 | static",
        "OPTIONS | /index.html | 204 | GET, HEAD, OPTIONS",
        "POST    | /index.html | 405 | GET, HEAD, OPTIONS",
        "DELETE  | /a/b        | 405 | GET, HEAD, OPTIONS",
        "POST    | /ws/x       | 200 | ws",
        "OPTIONS | /ws/x       | 200 | ws",
        "GET     | *           | 404 | -",
    })
    void routesByPathThenMethod(String method, String target, int status, String expected) {
        Response response = TABLE.handle(request(method, target)).join();
        assertThat(response.status().code()).isEqualTo(status);
        if (status == 200) {
            assertThat(((Body.Bytes) response.body()).content().toString(java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(expected);
        } else if (status != 404) {
            assertThat(response.headers().get("allow")).isEqualTo(expected);
        }
        response.body().release();
    }

    @Test
    void theBodyPolicyComesFromTheRouteAndTheHead() {
        assertThat(TABLE.bodyPolicy(request("POST", "/ws/chan"))).isEqualTo(BodyPolicy.buffer(100));
        assertThat(TABLE.bodyPolicy(request("GET", "/ws/chan"))).isEqualTo(BodyPolicy.DISCARD);
        assertThat(TABLE.bodyPolicy(request("POST", "/x"))).isEqualTo(BodyPolicy.DISCARD);
        assertThat(TABLE.bodyPolicy(request("GET", "*"))).as("no route").isEqualTo(BodyPolicy.DISCARD);
        assertThat(BodyPolicy.buffer(100).limit(50)).as("max_body_size still bounds it").isEqualTo(50);
        assertThat(BodyPolicy.DISCARD.limit(50)).isEqualTo(50);
    }

    @Test
    void decoratorsSeeEveryRequestFirstAddedOutermostAndMayAnswerThemselves() {
        List<String> seen = new ArrayList<>();
        RouteTable table = RouteTable.builder()
                .route(Route.of("static", path -> true, STATIC, HttpMethod.GET))
                .decorator(next -> request -> {
                    seen.add("outer " + request.method());
                    return next.handle(request);
                })
                .decorator(next -> request -> {
                    seen.add("inner " + request.method());
                    if (request.rawPath().equals("/limited")) {
                        return CompletableFuture.completedFuture(Response.of(HttpResponseStatus.TOO_MANY_REQUESTS));
                    }
                    return next.handle(request);
                })
                .build();
        assertThat(table.handle(request("GET", "/a")).join().status().code()).isEqualTo(200);
        assertThat(table.handle(request("POST", "/a")).join().status().code())
                .as("a 405 decided by the table still passes the decorators").isEqualTo(405);
        assertThat(table.handle(request("GET", "/limited")).join().status().code()).isEqualTo(429);
        assertThat(seen).containsExactly("outer GET", "inner GET", "outer POST", "inner POST", "outer GET",
                "inner GET");
    }
}
