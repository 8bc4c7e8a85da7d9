package io.carbon.http;

/**
 * How one exchange ended, as listeners (access log, metrics) need it.
 *
 * @param status            the status code sent (or that would have been sent when the client left first)
 * @param requestBodyBytes  body bytes received from the client
 * @param responseBodyBytes body bytes actually written (less than announced when the client left early)
 * @param nanos             time from the complete request head to the last byte written or the cut
 * @param contentEncoding   the response's Content-Encoding ({@code br}, {@code gzip}, ...), or null
 * @param cacheHit          true when the body came from the file cache's memory
 * @param cut               why the exchange ended early, or {@link Cut#NONE}
 */
public record ExchangeOutcome(int status, long requestBodyBytes, long responseBodyBytes, long nanos,
                              String contentEncoding, boolean cacheHit, Cut cut) {

    /** Logged for a request the client gave up on before it was answered (nginx's non-standard 499). */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    /** Why an exchange ended before its response was complete. */
    public enum Cut {
        /** Completed normally. */
        NONE,
        /** The client closed the connection or reset the stream first. */
        CLIENT_GONE,
        /** A request timer ran out (the head or body did not arrive in time). */
        TIMEOUT,
        /** Writing the response failed (an I/O error, a file that shrank under us). */
        WRITE_FAILED,
        /** The connection took the exchange over as a tunnel (a WebSocket): the response is the 101/200 head. */
        TUNNEL
    }
}
