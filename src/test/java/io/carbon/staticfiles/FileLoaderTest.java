package io.carbon.staticfiles;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

/** Private copies for sendfile: only for bodies worth one, and never more open than the descriptor bound. */
class FileLoaderTest {

    @TempDir
    Path directory;

    private FileLoader loader(int maxSnapshots) {
        return new FileLoader(path -> FileChannel.open(path, StandardOpenOption.READ), new MimeTypes(),
                io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, directory, maxSnapshots);
    }

    private static ByteBuf body(int size) {
        return Unpooled.wrappedBuffer(new byte[size]);
    }

    @Test
    void smallBodiesGetNoCopyAndCountNothing() {
        FileLoader loader = loader(1);
        assertThat(loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE - 1))).isNull();
        assertThat(loader.openSnapshots()).isZero();
        SnapshotFile copy = loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE));
        assertThat(copy).isNotNull();
        assertThat(copy.length()).isEqualTo(FileLoader.SNAPSHOT_MIN_SIZE);
        copy.evict();
    }

    @Test
    void copiesStopAtTheBoundAndResumeOnceOneIsClosed() {
        FileLoader loader = loader(2);
        SnapshotFile first = loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE));
        SnapshotFile second = loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE));
        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE))).as("over the bound").isNull();
        assertThat(loader.openSnapshots()).isEqualTo(2);

        first.evict(); // no response holds it: the descriptor closes now
        assertThat(loader.openSnapshots()).isEqualTo(1);
        SnapshotFile third = loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE));
        assertThat(third).isNotNull();
        second.evict();
        third.evict();
        assertThat(loader.openSnapshots()).isZero();
    }

    @Test
    void aCopyLentToAResponseCountsUntilTheResponseIsDone() {
        FileLoader loader = loader(1);
        SnapshotFile copy = loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE));
        var segment = copy.segment(0, copy.length(), Runnable::run);
        copy.evict();
        assertThat(loader.openSnapshots()).as("still being sent").isEqualTo(1);
        assertThat(loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE))).isNull();
        segment.release();
        assertThat(loader.openSnapshots()).isZero();
    }

    @Test
    void aCopyThatCannotBeWrittenServesFromMemoryAndHoldsNoPlace() {
        FileLoader loader = new FileLoader(path -> FileChannel.open(path, StandardOpenOption.READ), new MimeTypes(),
                io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, directory.resolve("gone"), 1);
        assertThat(loader.snapshot(body(FileLoader.SNAPSHOT_MIN_SIZE))).as("no such directory").isNull();
        assertThat(loader.openSnapshots()).isZero();
    }

    @Test
    void theDefaultBoundIsAQuarterOfTheDescriptorLimit() {
        assertThat(FileLoader.snapshotLimit()).isGreaterThanOrEqualTo(FileLoader.MIN_SNAPSHOTS);
    }
}
