package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.p9gate.gateway.proto.DirEntry;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Treaddir's host read uses its platform thread's own getdents64 buffer ({@link DirentBuffer}), reused read
 * after read, instead of a confined arena and a zero-filled buffer of its count (up to 256 KiB) per read (round 7
 * of resource bounds; bytes per read in docs/performance.md). The buffer is {@value DirentBuffer#SIZE} bytes: a
 * count larger than that is filled by several getdents64 calls, and loses or repeats no entry.
 */
class DirReaderBufferTest {
    @TempDir
    Path tmp;

    @Test
    void aPlatformThreadKeepsOneBufferAndAVirtualThreadHasNone() throws Exception {
        assertEquals(DirentBuffer.own().address(), DirentBuffer.own().address());
        MemorySegment[] onVirtual = {MemorySegment.NULL};
        Thread.ofVirtual().start(() -> onVirtual[0] = DirentBuffer.own()).join();
        assertNull(onVirtual[0], "a virtual thread reads through an arena of its own, as before");
    }

    @Test
    void aCountLargerThanTheBufferListsEveryEntryOnce() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dir"));
        Set<String> expected = new TreeSet<>(List.of(".", ".."));
        for (int i = 0; i < 3_000; i++) { // about 100 bytes a dirent: 300 KB, several buffers' worth
            String name = "entry-" + "x".repeat(70) + "-" + i;
            Files.writeString(dir.resolve(name), "");
            expected.add(name);
        }
        try (LocalShare share = LocalShare.open("share", dir, new QidMapper());
                Node root = share.root().root();
                OpenFile file = share.io().open(root, LinuxSyscalls.O_RDONLY)) {
            List<String> listed = new ArrayList<>();
            int reads = 0;
            for (long offset = 0; ; reads++) {
                List<DirEntry> batch = share.dirs().read(file, offset, 512 * 1024);
                if (batch.isEmpty()) {
                    break;
                }
                batch.forEach(e -> listed.add(e.name()));
                offset = batch.getLast().offset();
            }
            assertEquals(expected.size(), listed.size(), "no entry listed twice");
            assertEquals(expected, new TreeSet<>(listed));
            assertEquals(1, reads, "one read of a 512 KiB count takes the whole directory, buffer after buffer");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3_000, files.count());
        }
    }
}
