package io.carbon.staticfiles;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Evaluates the conditional request header fields against a file's validators, in the order RFC 9110
 * §13.2.2 prescribes. {@code If-Range} is not evaluated here: it only decides whether a Range applies
 * (RFC 9110 §13.2.2 step 5), see {@link Ranges}.
 *
 * <p>Only GET and HEAD reach the file handler, so a true If-None-Match always answers 304.
 */
public final class Preconditions {

    /** What to do after evaluating the preconditions. */
    public enum Outcome {
        /** Go on and serve the request (Range may still apply). */
        PROCEED,
        /** 304 Not Modified. */
        NOT_MODIFIED,
        /** 412 Precondition Failed. */
        PRECONDITION_FAILED
    }

    private Preconditions() {
    }

    /**
     * @param method              the request method
     * @param headers             the request headers
     * @param etag                the current strong ETag of the representation
     * @param lastModifiedSeconds the representation's Last-Modified, seconds since the epoch
     * @param nowSeconds          the server's clock, seconds since the epoch: read only for an If-Modified-Since
     */
    public static Outcome evaluate(HttpMethod method, HttpHeaders headers, String etag, long lastModifiedSeconds,
                                   LongSupplier nowSeconds) {
        if (!headers.contains(HttpHeaderNames.IF_MATCH) && !headers.contains(HttpHeaderNames.IF_NONE_MATCH)
                && !headers.contains(HttpHeaderNames.IF_MODIFIED_SINCE)
                && !headers.contains(HttpHeaderNames.IF_UNMODIFIED_SINCE)) {
            return Outcome.PROCEED; // most requests carry none: no field lists to gather, no clock to read
        }
        boolean getOrHead = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);

        // Step 1: If-Match. The representation exists (we only get here for an existing file), so '*' is true.
        String ifMatch = joined(headers, HttpHeaderNames.IF_MATCH);
        if (ifMatch != null) {
            if (!matchesAny(ifMatch, etag, true)) {
                return Outcome.PRECONDITION_FAILED;
            }
        } else {
            // Step 2: If-Unmodified-Since, only without If-Match; an invalid date is ignored (§13.1.4).
            Long ius = singleDate(headers, HttpHeaderNames.IF_UNMODIFIED_SINCE);
            if (ius != null && lastModifiedSeconds > ius) {
                return Outcome.PRECONDITION_FAILED;
            }
        }

        // Step 3: If-None-Match, weak comparison (§13.1.2).
        String ifNoneMatch = joined(headers, HttpHeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            if (matchesAny(ifNoneMatch, etag, false)) {
                return getOrHead ? Outcome.NOT_MODIFIED : Outcome.PRECONDITION_FAILED;
            }
        } else if (getOrHead) {
            // Step 4: If-Modified-Since, only without If-None-Match and only for GET/HEAD (§13.1.3). A date
            // in the future is ignored: it cannot come from a Last-Modified we sent, and trusting it would
            // keep a stale copy "fresh" until then.
            Long ims = singleDate(headers, HttpHeaderNames.IF_MODIFIED_SINCE);
            if (ims != null && ims <= nowSeconds.getAsLong() && lastModifiedSeconds <= ims) {
                return Outcome.NOT_MODIFIED;
            }
        }
        return Outcome.PROCEED;
    }

    private static boolean matchesAny(String list, String etag, boolean strong) {
        if (ETags.isWildcard(list)) {
            return true;
        }
        for (String tag : ETags.parseList(list)) {
            if (strong ? ETags.strongMatch(tag, etag) : ETags.weakMatch(tag, etag)) {
                return true;
            }
        }
        return false;
    }

    /** All field lines of a list-valued field joined with ',' (RFC 9110 §5.3), or null when absent. */
    private static String joined(HttpHeaders headers, CharSequence name) {
        List<String> values = headers.getAll(name);
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : String.join(",", values);
    }

    /** A date field with exactly one valid member, or null (RFC 9110 §13.1.3/§13.1.4: otherwise ignore it). */
    private static Long singleDate(HttpHeaders headers, CharSequence name) {
        List<String> values = headers.getAll(name);
        if (values.size() != 1) {
            return null;
        }
        return ETags.parseHttpDate(values.get(0));
    }
}
