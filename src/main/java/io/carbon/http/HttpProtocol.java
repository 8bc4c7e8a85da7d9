package io.carbon.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The protocol an exchange arrived on, with what it can do, so that features ask for a capability instead of
 * comparing version strings.
 */
public enum HttpProtocol {
    HTTP_1_0("HTTP/1.0", false, HttpResponseStatus.SWITCHING_PROTOCOLS),
    HTTP_1_1("HTTP/1.1", true, HttpResponseStatus.SWITCHING_PROTOCOLS),
    HTTP_2("HTTP/2.0", true, HttpResponseStatus.OK),
    HTTP_3("HTTP/3.0", true, HttpResponseStatus.OK);

    private final String logName;
    private final boolean streamsUnknownLength;
    private final HttpResponseStatus tunnelStatus;

    HttpProtocol(String logName, boolean streamsUnknownLength, HttpResponseStatus tunnelStatus) {
        this.logName = logName;
        this.streamsUnknownLength = streamsUnknownLength;
        this.tunnelStatus = tunnelStatus;
    }

    /** As written in the access log's request line. */
    public String logName() {
        return logName;
    }

    /** HTTP/1.0 or HTTP/1.1: one exchange at a time on the connection's own bytes. */
    public boolean isHttp1() {
        return this == HTTP_1_0 || this == HTTP_1_1;
    }

    /** True when a body of unknown length can end without closing the connection (chunked, DATA frames). */
    public boolean streamsUnknownLength() {
        return streamsUnknownLength;
    }

    /**
     * The status that hands an exchange over to a {@link Tunnel}: 101 Switching Protocols on HTTP/1.1
     * (RFC 9110 §15.2.2), a 2xx to an extended CONNECT on HTTP/2 and HTTP/3 (RFC 8441 §5, RFC 9220 §3).
     */
    public HttpResponseStatus tunnelStatus() {
        return tunnelStatus;
    }
}
