package io.carbon.http;

/**
 * Wraps the route table's handling of every exchange on every protocol, upgrades included: rate limits,
 * metrics. A decorator may answer itself (429) or pass the request on to {@code next}.
 */
@FunctionalInterface
public interface Decorator {

    HttpHandler decorate(HttpHandler next);
}
