package io.carbon.http2;

import io.carbon.config.Http2Config;
import io.carbon.config.HttpConfig;
import io.carbon.http.Exchanges;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;

/** STUB until the http2 branch lands. */
public final class Http2Branch {
    public static void configure(ChannelPipeline pipeline, Http2Config h2, HttpConfig http, Exchanges exchanges,
                                 boolean secure) {
    }

    public static Http2ServerUpgradeCodec upgradeCodec(Http2Config h2, HttpConfig http, Exchanges exchanges) {
        return null;
    }
}
