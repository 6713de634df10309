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

    /**
     * The buffer outlives a read: bytes left in it by an earlier read on the thread (another VM's long names) or
     * anything else never reach a later, shorter listing. Every name comes from what getdents64 wrote this time.
     */
    @Test
    void bytesLeftInTheBufferNeverReachALaterListing() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("other-vm"));
        for (int i = 0; i < 200; i++) {
            Files.writeString(other.resolve("secret-" + "s".repeat(240) + i), "");
        }
        Path mine = Files.createDirectories(tmp.resolve("mine"));
        Set<String> expected = new TreeSet<>(List.of(".", "..", "a", "bb", "ccc"));
        for (String name : expected.stream().filter(n -> !n.startsWith(".")).toList()) {
            Files.writeString(mine.resolve(name), "");
        }
        assertEquals(200 + 2, listAll(other, 1 << 16).size());
        assertEquals(expected, new TreeSet<>(listAll(mine, 1 << 16)), "after another directory's long names");
        DirentBuffer.own().fill((byte) 'Z'); // no NUL anywhere past what the kernel writes
        List<String> listed = listAll(mine, 1 << 20);
        assertEquals(expected.size(), listed.size(), listed.toString());
        assertEquals(expected, new TreeSet<>(listed), "after a buffer of garbage");
    }

    private static List<String> listAll(Path dir, int count) throws Exception {
        List<String> listed = new ArrayList<>();
        try (LocalShare share = LocalShare.open("share", dir, new QidMapper());
                Node root = share.root().root();
                OpenFile file = share.io().open(root, LinuxSyscalls.O_RDONLY)) {
            for (long offset = 0; ; ) {
                List<DirEntry> batch = share.dirs().read(file, offset, count);
                if (batch.isEmpty()) {
                    return listed;
                }
                batch.forEach(e -> listed.add(e.name()));
                offset = batch.getLast().offset();
            }
        }
    }
}
