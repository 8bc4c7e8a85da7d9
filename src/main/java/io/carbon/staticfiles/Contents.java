package io.carbon.staticfiles;

import io.carbon.http.Body;
import io.carbon.http.ChunkSource;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/** The three places a representation's bytes come from: memory, a file on disk, or a stream. */
final class Contents {

    private Contents() {
    }

    /** Thrown when cached bytes were evicted between lookup and slicing: the caller serves from disk. */
    static final class Evicted extends RuntimeException {
        Evicted() {
            super(null, null, false, false);
        }
    }

    /** Cached bytes: every body is a retained slice, no copy. */
    static FileResponses.Content memory(SharedBytes bytes) {
        return new FileResponses.Content() {
            @Override
            public Body range(long first, long length) {
                ByteBuf slice = bytes.slice(first, length);
                if (slice == null) {
                    throw new Evicted();
                }
                return Body.of(slice);
            }

            @Override
            public Body whole() {
                return range(0, bytes.length());
            }

            @Override
            public void release() {
            }
        };
    }

    /**
     * A file on disk. The first body takes over {@code channel} (null for HEAD, which sends no body); each
     * further part of a multipart response opens its own channel, because each segment closes its own.
     */
    static FileResponses.Content file(Path path, FileChannel channel, long length,
                                      StaticFileHandler.FileOpener opener, Executor reads) {
        return new FileResponses.Content() {
            private FileChannel unused = channel;

            @Override
            public Body range(long first, long rangeLength) throws IOException {
                FileChannel taken = unused != null ? unused : opener.open(path);
                unused = null;
                return new Body.FileSegment(taken, first, rangeLength, reads);
            }

            @Override
            public Body whole() throws IOException {
                return range(0, length);
            }

            @Override
            public void release() {
                if (unused != null) {
                    try {
                        unused.close();
                    } catch (IOException ignored) {
                        // the descriptor is released either way
                    }
                }
            }
        };
    }

    /** No bytes at all: HEAD of a streamed representation, whose body is never asked for. */
    static FileResponses.Content none() {
        return new FileResponses.Content() {
            @Override
            public Body range(long first, long length) {
                throw new IllegalStateException("HEAD has no body");
            }

            @Override
            public Body whole() {
                throw new IllegalStateException("HEAD has no body");
            }

            @Override
            public void release() {
            }
        };
    }

    /** A stream of unknown length (no ranges: the caller only offers it when no Range was asked for). */
    static FileResponses.Content stream(ChunkSource source) {
        return new FileResponses.Content() {
            private boolean taken;

            @Override
            public Body range(long first, long length) {
                throw new IllegalStateException("a stream has no ranges");
            }

            @Override
            public Body whole() {
                taken = true;
                return new Body.Stream(source, -1);
            }

            @Override
            public void release() {
                if (!taken) {
                    source.close();
                }
            }
        };
    }
}
