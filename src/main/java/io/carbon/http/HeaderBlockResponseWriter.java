package io.carbon.http;

import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A {@link StreamResponseWriter} whose header block is one of Netty's {@link Headers} (HTTP/2's and HTTP/3's
 * are): the block is filled the same way for both by {@link FramedResponseHeaders}, and a branch only says which
 * empty block to start from.
 *
 * @param <H> the branch's header block
 */
public abstract class HeaderBlockResponseWriter<H extends Headers<CharSequence, CharSequence, ?>>
        extends StreamResponseWriter<H> {

    protected HeaderBlockResponseWriter(StreamOutput out) {
        super(out);
    }

    /** An empty, non-validating block for about {@code fields} fields (Carbon's own fields are valid already). */
    protected abstract H emptyBlock(int fields);

    @Override
    protected final H responseHead(HttpResponseStatus status, HttpHeaders headers) {
        return FramedResponseHeaders.of(emptyBlock(headers.size() + 1), status, headers);
    }

    /** A branch whose block type has a cheaper form for prepared fields may say so (HTTP/2 does). */
    @Override
    protected H preparedHead(PreparedHeaders fields, PreparedHeaders standard) {
        return FramedResponseHeaders.prepared(emptyBlock(fields.size() + standard.size() + 1), fields, standard);
    }
}
