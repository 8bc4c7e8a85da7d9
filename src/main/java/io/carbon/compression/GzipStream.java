package io.carbon.compression;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** STUB until the compression branch lands. */
public final class GzipStream implements AutoCloseable {
    public GzipStream(int level) {
    }

    public ByteBuf deflate(ByteBuf input, boolean last, ByteBufAllocator alloc) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public void close() {
    }
}
