package io.carbon.staticfiles;

import io.carbon.config.FilesConfig;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Serves GET and HEAD from {@code www_path}: safe path resolution, index files, directory redirects,
 * Content-Type, validators, conditional requests and ranges. File system work runs on the blocking pool.
 */
public final class StaticFileHandler implements HttpHandler {

    public StaticFileHandler(FilesConfig config, Executor blockingPool) {
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        throw new UnsupportedOperationException("TODO");
    }
}
