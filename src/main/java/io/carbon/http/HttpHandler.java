package io.carbon.http;

import java.util.concurrent.CompletableFuture;

/**
 * Answers one request. Implementations never block the calling event loop: slow work (file open, stat,
 * read) runs on the blocking pool they were given, and the future completes there; the branch writes the
 * response back on its own event loop.
 */
@FunctionalInterface
public interface HttpHandler {

    CompletableFuture<Response> handle(Request request);
}
