package io.carbon.http;

import io.carbon.config.SecurityHeadersConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultEventExecutor;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** How a handler's failures become answers: one mechanism for every feature and protocol. */
class ExchangesTest {

    private final List<Throwable> reported = new ArrayList<>();
    private final Request request = Request.of(HttpMethod.GET, "/x", new DefaultHttpHeaders(), HttpProtocol.HTTP_1_1,
            new InetSocketAddress("127.0.0.1", 1), false);

    private Exchanges with(HttpHandler router) {
        ResponseFinisher finisher = new ResponseFinisher(
                new StandardHeaders(new SecurityHeadersConfig(true, "nosniff", "", "", ""), ""),
                ErrorPages.builtInOnly());
        return new Exchanges(RouteTable.of("test", router), finisher, (r, outcome) -> { },
                (r, failure) -> reported.add(failure), 1024);
    }

    @Test
    void aFailedHandlerIsA500AndIsReported() {
        IllegalStateException bug = new IllegalStateException("bug");
        Response response = with(r -> CompletableFuture.failedFuture(bug)).answer(request).join();
        assertThat(response.status().code()).isEqualTo(500);
        assertThat(reported).containsExactly(bug);
    }

    @Test
    void aHandlerThrowingOnTheCallersThreadIsA500Too() {
        Response response = with(r -> { throw new IllegalArgumentException("sync"); }).answer(request).join();
        assertThat(response.status().code()).isEqualTo(500);
        assertThat(reported).hasSize(1);
    }

    @Test
    void aSaturatedBlockingPoolIs503WithRetryAfterAndNotReportedAsABug() {
        Response response = with(r -> CompletableFuture.failedFuture(new RejectedExecutionException("full")))
                .answer(request).join();
        assertThat(response.status().code()).isEqualTo(503);
        assertThat(response.headers().get("retry-after")).isEqualTo("1");
        assertThat(reported).isEmpty();
    }

    @Test
    void aReadyAnswerIsHandedOverAtOnceOnTheCallersThread() {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        try {
            List<Response> got = new ArrayList<>();
            with(r -> CompletableFuture.completedFuture(Response.of(HttpResponseStatus.OK)))
                    .answer(request, loop, got::add);
            assertThat(got).singleElement().extracting(x -> x.status().code()).isEqualTo(200);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLaterAnswerIsHandedOverOnTheConnectionsLoopAndAMissingOneIsA500() throws Exception {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        try {
            for (Response answered : new Response[] {Response.of(HttpResponseStatus.OK), null}) {
                CompletableFuture<Response> later = new CompletableFuture<>();
                CompletableFuture<String> handedOver = new CompletableFuture<>();
                with(r -> later).answer(request, loop, response -> handedOver.complete(
                        response.status().code() + " on loop " + loop.inEventLoop()));
                assertThat(handedOver).isNotDone();
                Thread completer = new Thread(() -> later.complete(answered)); // like the blocking pool
                completer.start();
                completer.join();
                assertThat(handedOver.get(10, TimeUnit.SECONDS))
                        .isEqualTo((answered != null ? "200" : "500") + " on loop true");
            }
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
