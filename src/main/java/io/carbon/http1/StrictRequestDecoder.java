package io.carbon.http1;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, made strict where RFC 9112 lets a server choose: a request carrying both
 * Content-Length and Transfer-Encoding is refused (§6.1: "MAY reject ... as a request smuggling defense")
 * instead of having its Content-Length silently dropped.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    static final String BOTH_LENGTHS = "both Content-Length and Transfer-Encoding";

    StrictRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(BOTH_LENGTHS)));
        super.handleTransferEncodingChunkedWithContentLength(message);
    }
}
