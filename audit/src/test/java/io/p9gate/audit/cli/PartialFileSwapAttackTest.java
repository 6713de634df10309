package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export --output}, {@code report --html} and {@code verify --save-pin} made their temporary file
 * exclusively, then opened it again by its name to write it, following a link and truncating: in a directory
 * another user may rename files in (theirs, or a shared group-writable one without the sticky bit), swapping a link
 * to any file in for the temporary file between the two opens had the command (an auditor's root) truncate and
 * overwrite that file with the export. The file is now written through the one open that made it.
 */
class PartialFileSwapAttackTest {
    private static final String VICTIM = "root:x:0:0:root:/root:/bin/sh\n";
    private static final int ATTEMPTS = 600;

    @TempDir
    Path dir;

    @Test
    void aLinkSwappedInForTheTemporaryFileIsNotWrittenThrough() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), VICTIM);
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path aside = Files.createDirectories(dir.resolve("aside"));
        Path named = shared.resolve("export.jsonl");
        AtomicBoolean stop = new AtomicBoolean();
        Thread attacker = Thread.ofPlatform().daemon().start(() -> {
            long n = 0;
            while (!stop.get()) {
                try (Stream<Path> files = Files.list(shared)) {
                    for (Path temp : files.filter(
                                    p -> p.getFileName().toString().endsWith(".partial"))
                            .toList()) {
                        Files.move(temp, aside.resolve(Long.toString(n++)));
                        Files.createSymbolicLink(temp, victim);
                    }
                } catch (Exception e) {
                    // Lost this race: the next file.
                }
            }
        });
        try {
            for (int i = 0; i < ATTEMPTS && Files.readString(victim).equals(VICTIM); i++) {
                try (PartialFile file = PartialFile.create(named, "--output names a file")) {
                    file.write("{\"seq\":" + i + "}\n");
                    file.commit();
                } catch (Exception e) {
                    // The attacker's rename made this one fail: the victim is what counts.
                }
            }
        } finally {
            stop.set(true);
            attacker.join();
        }
        assertEquals(VICTIM, Files.readString(victim), "the victim is never written through the swapped link");
    }
}
