package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Large directories read in many small Treaddir calls, and concurrent requests on one session (R-PROTO-6). */
class ReaddirAndConcurrencyTest extends ShareTestBase {
    static final int ENTRIES = 10_000;

    @Test
    void tenThousandEntriesInSmallChunksWithStableOffsets() throws Exception {
        Path big = Files.createDirectories(share.resolve("big"));
        Set<String> expected = new HashSet<>(List.of(".", ".."));
        for (int i = 0; i < ENTRIES; i++) {
            String name = "entry-" + i + (i % 7 == 0 ? "-with-a-somewhat-longer-name" : "");
            Files.createFile(big.resolve(name));
            expected.add(name);
        }
        s.walk(0, 1, "big");
        s.lopen(1, 0);
        List<DirEntry> all = FileServerTest.readAll(s, 1, 600);
        List<String> names = all.stream().map(DirEntry::name).toList();
        assertEquals(expected.size(), names.size(), "no duplicates, nothing missing");
        assertEquals(expected, new HashSet<>(names));
        // Resuming from any returned cookie gives the same continuation.
        int middle = all.size() / 2;
        List<DirEntry> resumed = s.expect(
                        RMessage.Rreaddir.class,
                        new TMessage.Treaddir(1, all.get(middle).offset(), 4096))
                .entries();
        assertEquals(all.get(middle + 1).name(), resumed.get(0).name());
        assertEquals(all.get(middle + 1).offset(), resumed.get(0).offset());
        // A second fid reading concurrently does not disturb the first (separate descriptors).
        s.walk(0, 2, "big");
        s.lopen(2, 0);
        assertEquals(
                expected,
                new HashSet<>(FileServerTest.readAll(s, 2, 8192).stream()
                        .map(DirEntry::name)
                        .toList()));
    }

    @Test
    void concurrentRequestsOnOneSession() throws Exception {
        int files = 32;
        for (int i = 0; i < files; i++) {
            Files.writeString(share.resolve("f" + i), "content of " + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    int fid = 100 + n;
                    s.walk(0, fid, "f" + n);
                    s.lopen(fid, 0);
                    String text = new String(s.read(fid, 0, 100), StandardCharsets.UTF_8);
                    s.clunk(fid);
                    return text;
                }));
            }
            for (int i = 0; i < files; i++) {
                assertEquals("content of " + i, results.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void clunkRacingReadsNeverReadsAnotherFile() throws Exception {
        Files.writeString(share.resolve("mine"), "mine");
        Files.writeString(share.resolve("other"), "other");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 200; round++) {
                s.walk(0, 1, "mine");
                s.lopen(1, 0);
                Future<byte[]> read = pool.submit(() -> s.read(1, 0, 10));
                Future<?> clunk = pool.submit(() -> {
                    s.clunk(1);
                    s.walk(0, 2, "other");
                    s.lopen(2, 0);
                    return null;
                });
                clunk.get();
                try {
                    assertEquals("mine", new String(read.get(), StandardCharsets.UTF_8));
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof io.p9gate.gateway.proto.P9Exception, e.toString());
                }
                s.clunk(2);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
