package io.carbon.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Hands each request to the first route whose path matches, through the decorators. A route that lists its
 * methods gets only those: OPTIONS is answered here with {@code Allow} (RFC 9110 §9.3.7), any other method
 * with 405 and {@code Allow} (§15.5.6). A path no route takes is 404. Immutable and thread-safe; assembled by
 * the server, shared by every protocol branch.
 */
public final class RouteTable implements HttpHandler {

    private final List<Route> routes;
    private final HttpHandler decorated;

    private RouteTable(List<Route> routes, List<Decorator> decorators) {
        this.routes = List.copyOf(routes);
        HttpHandler handler = this::dispatch;
        // The first decorator added is the outermost: it sees every request first.
        for (int i = decorators.size() - 1; i >= 0; i--) {
            handler = decorators.get(i).decorate(handler);
        }
        this.decorated = handler;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A table of one route that takes every path and method (the plain port's HTTPS redirect). */
    public static RouteTable of(String name, HttpHandler handler) {
        return builder().route(new Route(name, path -> true, handler, List.of(), request -> BodyPolicy.DISCARD))
                .build();
    }

    /** The route for a request head, or null when none takes its path. */
    public Route select(Request head) {
        String path = head.rawPath();
        for (Route route : routes) {
            if (route.takes(head, path)) {
                return route;
            }
        }
        return null;
    }

    /** What to do with the body of a request with this head (discard when no route takes it). */
    public BodyPolicy bodyPolicy(Request head) {
        Route route = select(head);
        return route == null ? BodyPolicy.DISCARD : route.body().apply(head);
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        return decorated.handle(request);
    }

    private CompletableFuture<Response> dispatch(Request request) {
        Route route = select(request);
        if (route == null) {
            return CompletableFuture.completedFuture(Response.of(HttpResponseStatus.NOT_FOUND));
        }
        HttpMethod method = request.method();
        if (route.restrictsMethods() && !route.methods().contains(method)) {
            Response response = HttpMethod.OPTIONS.equals(method)
                    ? Response.of(HttpResponseStatus.NO_CONTENT)
                    : Response.of(HttpResponseStatus.METHOD_NOT_ALLOWED);
            response.headers().set(HttpHeaderNames.ALLOW, allow(route));
            return CompletableFuture.completedFuture(response);
        }
        return route.handler().handle(request);
    }

    private static String allow(Route route) {
        List<HttpMethod> methods = new ArrayList<>(route.methods());
        if (!methods.contains(HttpMethod.OPTIONS)) {
            methods.add(HttpMethod.OPTIONS);
        }
        return methods.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
    }

    /** Routes are tried in the order added; decorators wrap in the order added (first = outermost). */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();
        private final List<Decorator> decorators = new ArrayList<>();

        private Builder() {
        }

        public Builder route(Route route) {
            routes.add(route);
            return this;
        }

        public Builder decorator(Decorator decorator) {
            decorators.add(decorator);
            return this;
        }

        public RouteTable build() {
            return new RouteTable(routes, decorators);
        }
    }
}
