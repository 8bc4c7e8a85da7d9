package io.carbon.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The owner of every exchange, shared by all protocol branches and connections: each request head becomes an
 * {@link Exchange} ({@link #begin}) that applies its route's body policy, asks the route table, and reports to
 * the listeners (access log, metrics) once. The finisher adds the common headers; {@code errors} hears about
 * handler failures (the server log).
 *
 * @param maxBodySize {@code max_body_size}: no route takes a larger body
 * @param clients     who the client is (a trusted proxy may name it), applied to every request head first
 */
public record Exchanges(RouteTable routes, ResponseFinisher finisher, ExchangeListener listener,
                        BiConsumer<Request, Throwable> errors, long maxBodySize, UnaryOperator<Request> clients) {

    /** Without trusted proxies: the client is the connection's peer. */
    public Exchanges(RouteTable routes, ResponseFinisher finisher, ExchangeListener listener,
                     BiConsumer<Request, Throwable> errors, long maxBodySize) {
        this(routes, finisher, listener, errors, maxBodySize, UnaryOperator.identity());
    }

    /** The exchange of a request whose head just arrived. */
    public Exchange begin(Request head) {
        return new Exchange(this, clients.apply(head));
    }

    /**
     * Asks the route table and hands the response to {@code then} on {@code loop}, the connection's event loop: at
     * once when it is ready (a cache hit, answered from memory on the loop, with no stage to chain), else
     * when the handler completes. A handler that completes with no response gets a 500.
     */
    public void answer(Request request, EventExecutor loop, Consumer<Response> then) {
        CompletableFuture<Response> answer = answer(request);
        if (answer.isDone() && !answer.isCompletedExceptionally()) {
            then.accept(orError(answer.join()));
            return;
        }
        answer.whenComplete((response, failure) -> {
            Response result = orError(response);
            if (loop.inEventLoop()) {
                then.accept(result);
            } else {
                loop.execute(() -> then.accept(result));
            }
        });
    }

    private static Response orError(Response response) {
        return response != null ? response : Response.of(HttpResponseStatus.INTERNAL_SERVER_ERROR);
    }

    /** Asks the route table, turning a crash of a handler into a 500 instead of a hung connection. */
    public CompletableFuture<Response> answer(Request request) {
        CompletableFuture<Response> answer;
        try {
            answer = routes.handle(request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        if (answer.isDone() && !answer.isCompletedExceptionally()) {
            return answer; // answered from memory, on the event loop: nothing to map, no extra stage
        }
        return answer.exceptionally(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof RejectedExecutionException) {
                // The blocking pool is saturated: shed load rather than queue without bound.
                Response busy = Response.of(HttpResponseStatus.SERVICE_UNAVAILABLE);
                busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                return busy;
            }
            errors.accept(request, cause);
            return Response.of(HttpResponseStatus.INTERNAL_SERVER_ERROR);
        });
    }
}
