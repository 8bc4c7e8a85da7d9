package io.carbon.http;

/**
 * What a route does with a request body, decided from the request head before any of the body is read.
 */
public sealed interface BodyPolicy permits BodyPolicy.Discard, BodyPolicy.Buffer {

    /** The body is read within {@code max_body_size} and thrown away (static files). */
    BodyPolicy DISCARD = new Discard();

    /** The body is read and handed to the handler whole ({@link Request#body()}), up to {@code maxBytes}. */
    static BodyPolicy buffer(long maxBytes) {
        return new Buffer(maxBytes);
    }

    /** The largest body accepted, given the server-wide {@code max_body_size}. */
    long limit(long maxBodySize);

    record Discard() implements BodyPolicy {
        @Override
        public long limit(long maxBodySize) {
            return maxBodySize;
        }
    }

    record Buffer(long maxBytes) implements BodyPolicy {
        @Override
        public long limit(long maxBodySize) {
            return Math.min(maxBytes, maxBodySize);
        }
    }
}
