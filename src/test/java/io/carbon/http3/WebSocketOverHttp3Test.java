package io.carbon.http3;

import io.carbon.testing.H3Client;
import io.carbon.testing.LeakDetectorExtension;
import io.carbon.testing.TestServer;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 9220: a WebSocket over an HTTP/3 extended CONNECT, the same WebSocket route as on HTTP/1.1 and HTTP/2; the
 * stream's DATA frames carry the WebSocket frames both ways.
 */
@ExtendWith(LeakDetectorExtension.class)
class WebSocketOverHttp3Test {

    @TempDir
    Path dir;

    @Test
    void echoOverAnExtendedConnectStream() throws Exception {
        try (TestServer server = TestServer.startSite(dir, Map.of("use_https", "true", "https_port", "0",
                "enable_http3", "true", "enable_websocket", "true",
                "ssl_cert_path", dir.resolve("ssl/cert.pem").toString(),
                "ssl_key_path", dir.resolve("ssl/key.pem").toString()));
             H3Client client = new H3Client(server.server().http3Port())) {
            CompletableFuture<CharSequence> status = new CompletableFuture<>();
            LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
            QuicStreamChannel stream = Http3.newRequestStream(client.connection(),
                    new Http3RequestStreamInboundHandler() {
                        @Override
                        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
                            status.complete(frame.headers().status());
                            ReferenceCountUtil.release(frame);
                        }

                        @Override
                        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
                            received.add(ByteBufUtil.getBytes(frame.content()));
                            ReferenceCountUtil.release(frame);
                        }

                        @Override
                        protected void channelInputClosed(ChannelHandlerContext ctx) {
                            received.add(new byte[0]);
                        }
                    }).sync().getNow();
            DefaultHttp3HeadersFrame connect = new DefaultHttp3HeadersFrame();
            connect.headers().method("CONNECT").path("/ws").scheme("https")
                    .authority("127.0.0.1:" + server.server().http3Port())
                    .add(":protocol", "websocket").add("sec-websocket-version", "13");
            stream.writeAndFlush(connect).sync();
            assertThat(status.get(10, TimeUnit.SECONDS).toString()).isEqualTo("200");

            stream.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(maskedText("over QUIC")))).sync();
            assertThat(readFrame(received)).isEqualTo(unmaskedText("over QUIC"));

            // Close 1000: the server answers with its own Close frame, then ends the stream.
            stream.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(maskedClose(1000)))).sync();
            byte[] close = readFrame(received);
            assertThat(close[0] & 0xFF).isEqualTo(0x88);
            assertThat(((close[2] & 0xFF) << 8) | (close[3] & 0xFF)).isEqualTo(1000);
        }
        assertThat(java.nio.file.Files.readString(dir.resolve("log/access.log")))
                .contains("\"CONNECT /ws HTTP/3.0\" 200");
    }

    /** Reads until one whole unmasked frame arrived (the server may split or join DATA frames). */
    private static byte[] readFrame(LinkedBlockingQueue<byte[]> received) throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (bytes.size() < 2 || bytes.size() < 2 + (bytes.toByteArray()[1] & 0x7F)) {
            byte[] next = received.poll(10, TimeUnit.SECONDS);
            assertThat(next).as("more of the frame within 10 s").isNotNull();
            assertThat(next.length > 0 || bytes.size() > 0).as("the stream ended before a frame").isTrue();
            bytes.writeBytes(next);
        }
        return bytes.toByteArray();
    }

    private static byte[] unmaskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[2 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        return frame;
    }

    private static byte[] maskedText(String text) {
        return masked(0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] maskedClose(int code) {
        return masked(0x88, new byte[] {(byte) (code >> 8), (byte) code});
    }

    /** RFC 6455 §5.2: a client's frame is masked; payloads here are under 126 bytes. */
    private static byte[] masked(int first, byte[] payload) {
        byte[] mask = {1, 2, 3, 4};
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) first;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }
}
