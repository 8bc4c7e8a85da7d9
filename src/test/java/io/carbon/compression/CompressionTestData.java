package io.carbon.compression;

import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import com.github.luben.zstd.Zstd;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Inputs of several shapes and the reference decoders for the round trips. */
final class CompressionTestData {

    private CompressionTestData() {
    }

    /** About 100 KB of HTML-like text: compressible, not trivially repetitive. */
    static byte[] text(int size) {
        Random random = new Random(7);
        String[] words = {"<div class=\"item\">", "</div>", "carbon", "netty", "response", "<p>", "</p>",
                "compression", "brotli", "zstandard", "gzip", "\n", "content-encoding", "static", "files"};
        StringBuilder text = new StringBuilder(size + 64);
        while (text.length() < size) {
            text.append(words[random.nextInt(words.length)]).append(' ').append(random.nextInt(1000));
        }
        return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(11).nextBytes(bytes);
        return bytes;
    }

    /** How an input reaches a compressor. */
    enum Shape {
        HEAP {
            @Override
            ByteBuf make(byte[] data, ByteBufAllocator alloc) {
                return Unpooled.wrappedBuffer(data);
            }
        },
        /** A heap array with an offset and a reader index past some leading bytes. */
        HEAP_OFFSET {
            @Override
            ByteBuf make(byte[] data, ByteBufAllocator alloc) {
                byte[] padded = new byte[data.length + 10];
                System.arraycopy(data, 0, padded, 7, data.length);
                ByteBuf buf = Unpooled.wrappedBuffer(padded, 3, data.length + 5);
                buf.readerIndex(4).writerIndex(4 + data.length);
                return buf;
            }
        },
        DIRECT {
            @Override
            ByteBuf make(byte[] data, ByteBufAllocator alloc) {
                return alloc.directBuffer(data.length).writeBytes(data);
            }
        },
        /** A direct buffer whose readable bytes do not start at index 0. */
        DIRECT_OFFSET {
            @Override
            ByteBuf make(byte[] data, ByteBufAllocator alloc) {
                ByteBuf buf = alloc.directBuffer(data.length + 13);
                buf.writeZero(13).writeBytes(data).readerIndex(13);
                return buf;
            }
        },
        /** Several pieces, heap and direct. */
        COMPOSITE {
            @Override
            ByteBuf make(byte[] data, ByteBufAllocator alloc) {
                CompositeByteBuf composite = alloc.compositeBuffer();
                int third = data.length / 3;
                composite.addComponent(true, Unpooled.wrappedBuffer(data, 0, third));
                composite.addComponent(true, alloc.directBuffer().writeBytes(data, third, third));
                composite.addComponent(true, Unpooled.wrappedBuffer(data, 2 * third, data.length - 2 * third));
                return composite;
            }
        };

        abstract ByteBuf make(byte[] data, ByteBufAllocator alloc);
    }

    static byte[] decode(ContentCoding coding, byte[] encoded, int expectedLength) {
        try {
            return switch (coding) {
                case GZIP -> gunzip(encoded);
                case BROTLI -> unbrotli(encoded);
                case ZSTD -> unzstd(encoded, expectedLength);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gunzip(byte[] encoded) throws IOException {
        // GZIPInputStream checks the trailer: CRC-32 and ISIZE.
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(encoded))) {
            return in.readAllBytes();
        }
    }

    private static byte[] unbrotli(byte[] encoded) throws IOException {
        DirectDecompress result = Decoder.decompress(encoded);
        assertThat(result.getResultStatus()).as("brotli stream complete").isEqualTo(DecoderJNI.Status.DONE);
        byte[] data = result.getDecompressedData();
        return data == null ? new byte[0] : data;
    }

    private static byte[] unzstd(byte[] encoded, int expectedLength) {
        // The frame header records the content size, so decoders can size their output.
        assertThat(Zstd.getFrameContentSize(encoded)).as("zstd frame content size").isEqualTo(expectedLength);
        assertThat(Zstd.findFrameCompressedSize(encoded)).as("one frame, nothing after it")
                .isEqualTo(encoded.length);
        return Zstd.decompress(encoded, expectedLength);
    }
}
