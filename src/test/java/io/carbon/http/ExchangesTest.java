package io.carbon.http;

import io.carbon.config.SecurityHeadersConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/** How a handler's failures become answers: one mechanism for every feature and protocol. */
class ExchangesTest {

    private final List<Throwable> reported = new ArrayList<>();
    private final Request request = Request.of(HttpMethod.GET, "/x", new DefaultHttpHeaders(), "HTTP/1.1",
            new InetSocketAddress("127.0.0.1", 1), false);

    private Exchanges with(HttpHandler router) {
        ResponseFinisher finisher = new ResponseFinisher(
                new StandardHeaders(new SecurityHeadersConfig(true, "nosniff", "", "", ""), ""),
                ErrorPages.builtInOnly());
        return new Exchanges(router, finisher, (r, s, b, n) -> { }, (r, failure) -> reported.add(failure));
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
}
