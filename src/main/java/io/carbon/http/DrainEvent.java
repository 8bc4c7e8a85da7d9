package io.carbon.http;

/**
 * Fired into every connection's pipeline when the server shuts down gracefully: finish what is in flight,
 * take nothing new, then close (HTTP/1.1 answers with {@code Connection: close}, HTTP/2 sends GOAWAY).
 */
public enum DrainEvent {
    INSTANCE
}
