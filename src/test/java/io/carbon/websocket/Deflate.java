package io.carbon.websocket;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** A test client's side of permessage-deflate (RFC 7692 §7.2), written independently of the server's. */
final class Deflate {

    private Deflate() {
    }

    /** Compresses one message with {@code deflater} (kept as it is: context takeover unless reset by the caller). */
    static byte[] compress(Deflater deflater, byte[] message) {
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        int n;
        do {
            n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
            out.write(buffer, 0, n);
        } while (n == buffer.length);
        byte[] all = out.toByteArray();
        if (all.length < 4 || all[all.length - 4] != 0 || all[all.length - 3] != 0 || all[all.length - 2] != (byte) 0xFF
                || all[all.length - 1] != (byte) 0xFF) {
            throw new IllegalStateException("a sync flush ends with 00 00 FF FF");
        }
        return Arrays.copyOf(all, all.length - 4);
    }

    /** Inflates one message (appending the stripped tail). */
    static byte[] decompress(Inflater inflater, byte[] payload) throws DataFormatException {
        byte[] input = Arrays.copyOf(payload, payload.length + 4);
        input[payload.length + 2] = (byte) 0xFF;
        input[payload.length + 3] = (byte) 0xFF;
        inflater.setInput(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!inflater.needsInput()) {
            int n = inflater.inflate(buffer);
            out.write(buffer, 0, n);
            if (n == 0 && (inflater.finished() || inflater.needsDictionary())) {
                break;
            }
        }
        return out.toByteArray();
    }
}
