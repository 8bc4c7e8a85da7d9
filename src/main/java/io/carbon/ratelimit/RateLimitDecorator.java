package io.carbon.ratelimit;

import io.carbon.config.RateLimitConfig;
import io.carbon.http.Decorator;
import io.carbon.http.HttpHandler;
import io.carbon.http.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The request rate limit as a decorator of the route table, so it counts every exchange of every protocol:
 * HTTP/1.1 requests, HTTP/2 streams, WebSocket handshakes. Over its budget a client gets 429 with
 * {@code Retry-After} (RFC 6585 §4) and the IETF {@code RateLimit-Policy} / {@code RateLimit} fields
 * (draft-ietf-httpapi-ratelimit-headers), and the server log names it at most once per window, with a count.
 */
public final class RateLimitDecorator implements Decorator {

    static final AsciiString RATELIMIT_POLICY = AsciiString.cached("ratelimit-policy");
    static final AsciiString RATELIMIT = AsciiString.cached("ratelimit");

    private final RequestRateLimiter limiter;
    private final Consumer<String> warnings;
    private final String policy;
    /** Requests answered 429, since start (for metrics). */
    private final LongAdder refused = new LongAdder();

    /** @param warnings the server log's warnings */
    public RateLimitDecorator(RequestRateLimiter limiter, Consumer<String> warnings) {
        this.limiter = limiter;
        this.warnings = warnings;
        RateLimitConfig config = limiter.config();
        this.policy = "\"default\";q=" + config.requests() + ";w=" + config.window().toSeconds();
    }

    @Override
    public HttpHandler decorate(HttpHandler next) {
        return request -> {
            InetSocketAddress client = request.remoteAddress();
            if (client == null || client.getAddress() == null) {
                return next.handle(request);
            }
            RequestRateLimiter.Verdict verdict = limiter.check(client.getAddress());
            if (verdict.allowed()) {
                return next.handle(request);
            }
            refused.increment();
            if (verdict.refusalsToLog() > 0) {
                RateLimitConfig config = limiter.config();
                warnings.accept("rate limited " + client.getAddress().getHostAddress() + ": "
                        + verdict.refusalsToLog() + " request(s) refused with 429 since last logged (rate_limit_requests"
                        + " = " + config.requests() + " per " + config.window().toSeconds() + " s, burst "
                        + config.burst() + ")");
            }
            return CompletableFuture.completedFuture(tooManyRequests(verdict));
        };
    }

    /** Requests refused with 429 since start. */
    public long refused() {
        return refused.sum();
    }

    private Response tooManyRequests(RequestRateLimiter.Verdict verdict) {
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(verdict.retryAfterNanos() + 999_999_999L));
        Response response = Response.text(HttpResponseStatus.TOO_MANY_REQUESTS,
                "Too many requests from your address; retry in " + seconds + " s.\n");
        response.headers().set(HttpHeaderNames.RETRY_AFTER, seconds);
        response.headers().set(RATELIMIT_POLICY, policy);
        response.headers().set(RATELIMIT, "\"default\";r=0;t=" + seconds);
        return response;
    }
}
