package io.carbon.http3;

import io.netty.buffer.ByteBuf;

/**
 * QUIC's variable-length integers (RFC 9000 §16): the two high bits of the first byte give the length (1, 2, 4
 * or 8 bytes). WebTransport puts them before stream data and datagrams (stream signals, session ids), where
 * Netty's HTTP/3 codec does not read.
 */
final class QuicVarint {

    /** A value that is not complete in the buffer yet. */
    static final long INCOMPLETE = -1;

    private QuicVarint() {
    }

    /** The value at the reader index, consumed; or {@link #INCOMPLETE} with nothing consumed. */
    static long read(ByteBuf in) {
        if (!in.isReadable()) {
            return INCOMPLETE;
        }
        int first = in.getUnsignedByte(in.readerIndex());
        int length = 1 << (first >> 6);
        if (in.readableBytes() < length) {
            return INCOMPLETE;
        }
        long value = first & 0x3F;
        in.skipBytes(1);
        for (int i = 1; i < length; i++) {
            value = (value << 8) | in.readUnsignedByte();
        }
        return value;
    }

    static void write(ByteBuf out, long value) {
        if (value < 0 || value > 0x3FFF_FFFF_FFFF_FFFFL) {
            throw new IllegalArgumentException("not a QUIC varint: " + value);
        }
        if (value < 0x40) {
            out.writeByte((int) value);
        } else if (value < 0x4000) {
            out.writeShort((int) (0x4000 | value));
        } else if (value < 0x4000_0000) {
            out.writeInt((int) (0x8000_0000L | value));
        } else {
            out.writeLong(0xC000_0000_0000_0000L | value);
        }
    }

    static int length(long value) {
        return value < 0x40 ? 1 : value < 0x4000 ? 2 : value < 0x4000_0000 ? 4 : 8;
    }
}
