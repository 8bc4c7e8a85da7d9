package io.carbon.metrics;

import io.carbon.http.Body;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.http.Route;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The admin listener's routes: {@code /healthz} (the process runs), {@code /readyz} (it should get traffic) and
 * {@code /metrics} (Prometheus), each for GET and HEAD; the route table answers 404 for any other path, and
 * OPTIONS / 405 for other methods. Every answer carries {@code Cache-Control: no-store}: a cached health or
 * metrics answer would be a wrong one.
 */
public final class AdminRoutes {

    public static final String HEALTH_PATH = "/healthz";
    public static final String READY_PATH = "/readyz";
    public static final String METRICS_PATH = "/metrics";

    private AdminRoutes() {
    }

    /** The three routes, for a {@code RouteTable} of their own (no rate limit, no static files). */
    public static List<Route> routes(Metrics metrics, Readiness readiness) {
        return List.of(
                Route.of("healthz", HEALTH_PATH::equals, new Health(), HttpMethod.GET, HttpMethod.HEAD),
                Route.of("readyz", READY_PATH::equals, new Ready(readiness), HttpMethod.GET, HttpMethod.HEAD),
                Route.of("metrics", METRICS_PATH::equals, new Scrape(metrics), HttpMethod.GET, HttpMethod.HEAD));
    }

    private static CompletableFuture<Response> text(HttpResponseStatus status, String body) {
        Response response = Response.text(status, body);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return CompletableFuture.completedFuture(response);
    }

    /** 200 "ok" whenever the process can answer at all: a liveness probe. */
    static final class Health implements HttpHandler {
        @Override
        public CompletableFuture<Response> handle(Request request) {
            return text(HttpResponseStatus.OK, "ok\n");
        }
    }

    /** 200 "ready" once every listener is bound, 503 "starting" before and 503 "draining" once shutdown began. */
    static final class Ready implements HttpHandler {
        private final Readiness readiness;

        Ready(Readiness readiness) {
            this.readiness = readiness;
        }

        @Override
        public CompletableFuture<Response> handle(Request request) {
            return switch (readiness.state()) {
                case READY -> text(HttpResponseStatus.OK, "ready\n");
                case STARTING -> text(HttpResponseStatus.SERVICE_UNAVAILABLE, "starting\n");
                case DRAINING -> text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n");
            };
        }
    }

    /**
     * Every metric in the Prometheus text format 0.0.4. Made on the event loop: reading a few hundred counters
     * and the JVM's management beans takes well under a millisecond and touches no disk.
     */
    static final class Scrape implements HttpHandler {
        private final Metrics metrics;

        Scrape(Metrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public CompletableFuture<Response> handle(Request request) {
            HttpHeaders headers = Response.trustedHeaders();
            headers.set(HttpHeaderNames.CONTENT_TYPE, Metrics.CONTENT_TYPE);
            headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
            return CompletableFuture.completedFuture(new Response(HttpResponseStatus.OK, headers,
                    Body.of(Unpooled.wrappedBuffer(metrics.scrape()))));
        }
    }
}
