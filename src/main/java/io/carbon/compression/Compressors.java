package io.carbon.compression;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** STUB until the compression branch lands. */
public final class Compressors {
    public Compressors(int gzipLevel, int brotliLevel, int zstdLevel) {
    }

    public boolean available(ContentCoding coding) {
        return coding == ContentCoding.GZIP;
    }

    public String unavailableReason(ContentCoding coding) {
        return "stub";
    }

    public ByteBuf compress(ContentCoding coding, ByteBuf input, ByteBufAllocator alloc) {
        byte[] bytes = new byte[input.readableBytes()];
        input.getBytes(input.readerIndex(), bytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuf result = alloc.directBuffer(out.size());
        result.writeBytes(out.toByteArray());
        return result;
    }
}
