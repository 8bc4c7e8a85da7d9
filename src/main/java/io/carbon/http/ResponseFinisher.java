package io.carbon.http;

import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * The last step before any branch frames a response: error statuses get their page, every response gets
 * the standard headers, and the body length becomes {@code Content-Length} unless the status forbids one
 * (RFC 9110 §8.6: never on 1xx and 204; a 304 carries none here) or the length is unknown (a stream).
 */
public final class ResponseFinisher {

    private final StandardHeaders standardHeaders;
    private volatile ErrorPages errorPages;

    public ResponseFinisher(StandardHeaders standardHeaders, ErrorPages errorPages) {
        this.standardHeaders = standardHeaders;
        this.errorPages = errorPages;
    }

    /** Swaps in error pages read again from the site (on reload). */
    public void errorPages(ErrorPages pages) {
        this.errorPages = pages;
    }

    /**
     * True when {@code response} needs nothing from {@link #finish} but the standard header lines of
     * {@link #standardHttp1Lines} (or {@link #standardFields}): a 200 whose fields are all prepared (they include its Content-Length).
     */
    public boolean preparedAsIs(Response response) {
        return response.prepared() != null && response.status().code() == 200;
    }

    /** The standard headers {@link #finish} would add, as HTTP/1.1 header lines. */
    public byte[] standardHttp1Lines(boolean secure) {
        return standardHeaders.http1Lines(secure);
    }

    /** The standard headers {@link #finish} would add, as fields (for HTTP/2). */
    public PreparedHeaders standardFields(boolean secure) {
        return standardHeaders.fields(secure);
    }

    /**
     * @param secure true when the response goes out over TLS (Strict-Transport-Security is sent only then)
     */
    public Response finish(Response response, boolean secure) {
        Response finished = errorPages.fill(response);
        standardHeaders.apply(finished.headers(), secure);
        int code = finished.status().code();
        if (code < 200 || code == 204 || code == 304) {
            finished.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else if (!finished.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && finished.body().length() >= 0) {
            finished.headers().set(HttpHeaderNames.CONTENT_LENGTH, finished.body().length());
        }
        return finished;
    }
}
