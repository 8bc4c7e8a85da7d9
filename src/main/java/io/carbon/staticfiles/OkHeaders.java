package io.carbon.staticfiles;

import io.carbon.http.PreparedHeaders;

/**
 * The 200 header fields of one cached representation, rendered on first use and kept with the entry: a
 * cache hit then builds no header map at all. Rendered again only if {@code cache_control} changed.
 * Any thread; two threads rendering at once make equal values, and either may win.
 */
final class OkHeaders {

    private record Rendered(String cacheControl, PreparedHeaders fields) { }

    private volatile Rendered rendered;

    PreparedHeaders get(Representation rep, String cacheControl) {
        Rendered current = rendered;
        if (current == null || !current.cacheControl().equals(cacheControl)) {
            current = new Rendered(cacheControl, FileResponses.okHeaders(rep, cacheControl));
            rendered = current;
        }
        return current.fields();
    }
}
