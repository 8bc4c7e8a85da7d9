package io.carbon.staticfiles;

import io.carbon.http.Body;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/** Test helper: the bytes a body would put on the wire (does not release it). */
final class Bodies {

    private Bodies() {
    }

    static byte[] bytes(Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(body, out);
        return out.toByteArray();
    }

    private static void write(Body body, ByteArrayOutputStream out) throws IOException {
        if (body instanceof Body.Bytes bytes) {
            out.write(ByteBufUtil.getBytes(bytes.content()));
        } else if (body instanceof Body.FileSegment segment) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(segment.length()));
            long position = segment.offset();
            while (buffer.hasRemaining()) {
                int n = segment.channel().read(buffer, position);
                if (n < 0) {
                    throw new IOException("file shorter than the segment");
                }
                position += n;
            }
            out.write(buffer.array());
        } else if (body instanceof Body.Stream stream) {
            // Drains the source (a stream can be read once); releasing the body afterwards closes it.
            try {
                for (ByteBuf piece = stream.source().next(ByteBufAllocator.DEFAULT).get(10, TimeUnit.SECONDS);
                     piece != null; piece = stream.source().next(ByteBufAllocator.DEFAULT).get(10, TimeUnit.SECONDS)) {
                    try {
                        out.write(ByteBufUtil.getBytes(piece));
                    } finally {
                        piece.release();
                    }
                }
            } catch (Exception e) {
                throw new IOException(e);
            }
        } else if (body instanceof Body.Parts parts) {
            for (Body part : parts.parts()) {
                write(part, out);
            }
        }
    }
}
