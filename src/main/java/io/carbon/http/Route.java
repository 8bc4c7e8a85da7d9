package io.carbon.http;

import io.netty.handler.codec.http.HttpMethod;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One entry of a {@link RouteTable}: which requests it takes (by their still-encoded path), the handler, the
 * methods it answers, and what happens to request bodies.
 *
 * @param name     for logs and diagnostics ("static files", "websocket")
 * @param matches  true for the raw paths this route serves
 * @param handler  answers the request
 * @param methods  the methods the handler answers; the table answers OPTIONS (204) and others (405) with
 *                 {@code Allow} itself. Empty: the handler answers every method itself.
 * @param body     the body policy for a request head
 * @param connectProtocol the {@code :protocol} of the extended CONNECTs this route takes alone (e.g.
 *                 "webtransport"), or null for a route that takes its paths whatever the request
 */
public record Route(String name, Predicate<String> matches, HttpHandler handler, List<HttpMethod> methods,
                    Function<Request, BodyPolicy> body, String connectProtocol) {

    public Route {
        methods = List.copyOf(methods);
    }

    public Route(String name, Predicate<String> matches, HttpHandler handler, List<HttpMethod> methods,
                 Function<Request, BodyPolicy> body) {
        this(name, matches, handler, methods, body, null);
    }

    /** True when this route takes {@code head}. */
    boolean takes(Request head, String rawPath) {
        return (connectProtocol == null || connectProtocol.equals(head.connectProtocol())) && matches.test(rawPath);
    }

    /** A route that discards request bodies. */
    public static Route of(String name, Predicate<String> matches, HttpHandler handler, HttpMethod... methods) {
        return new Route(name, matches, handler, List.of(methods), request -> BodyPolicy.DISCARD);
    }

    /** True when the table, not the handler, answers methods outside {@link #methods()}. */
    boolean restrictsMethods() {
        return !methods.isEmpty();
    }
}
