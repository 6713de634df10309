package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Qid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-PROTO-4, two VMs through what they share): a file whose inode number is 2^56 or more (here overlayfs
 * with {@code xino}, its lower layer on tmpfs) gets its qid.path from a reserved range, and the gateway remembers
 * that number for the files some handle holds and the {@code QidMapper.KEPT_UNHELD} (65,536) others used most
 * recently; a file past that, seen again, shows another inode number (docs/filesystem.md). The gateway kept one
 * such memory for every VM: VM alpha listing one directory of 70,000 such files of its own share (35 Treaddirs)
 * made beta's file, which beta had walked to a moment before, show beta another inode number at its next walk, so
 * a tool of beta's comparing inode numbers (hard-link detection in {@code cp -a} or {@code tar}, {@code du}) took it
 * for another file. Each VM now has its own: what alpha lists costs only alpha's numbers.
 */
class QidChurnAcrossVmsAttackTest {
    private static final int FILES = 70_000;
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;

    @TempDir
    Path tmp;

    private Path lower;
    private Path merged;

    @AfterEach
    void unmount() throws Exception {
        if (merged != null) {
            run("umount", "-l", merged.toString());
        }
        if (lower != null) {
            run("rm", "-rf", lower.toString());
        }
    }

    @Test
    void oneVmListingManyFilesDoesNotChangeAnotherVmsInodeNumbers() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "needs /dev/shm (tmpfs)");
        lower = Files.createTempDirectory(shm, "p9gate-qid-churn");
        Path many = Files.createDirectories(lower.resolve("a/many"));
        for (int i = 0; i < FILES; i++) {
            Files.createFile(many.resolve("f" + i));
        }
        Files.createDirectories(lower.resolve("b"));
        Files.writeString(lower.resolve("b/mine"), "beta's");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path mount = Files.createDirectories(tmp.resolve("merged"));
        assumeTrue(
                run(
                                "mount",
                                "-t",
                                "overlay",
                                "overlay",
                                "-o",
                                "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + ",xino=on",
                                mount.toString())
                        == 0,
                "an overlay mount needs root (CAP_SYS_ADMIN)");
        merged = mount;
        long ino = (Long) Files.getAttribute(merged.resolve("b/mine"), "unix:ino");
        assumeTrue(ino < 0 || ino >= 1L << 56, "overlayfs gave no inode number past 2^56 (xino): " + ino);

        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, merged.resolve("a"), merged.resolve("b"), "")) {
            Qid before = rig.beta.walk(0, 1, "mine").getFirst();
            rig.beta.clunk(1);

            rig.alpha.walk(0, 1, "many");
            rig.alpha.lopen(1, O_RDONLY | O_DIRECTORY);
            long listed = 0;
            long offset = 0;
            for (List<DirEntry> entries = rig.alpha.readdir(1, offset, 65_000);
                    !entries.isEmpty();
                    entries = rig.alpha.readdir(1, offset, 65_000)) {
                listed += entries.size();
                offset = entries.getLast().offset();
            }
            assertTrue(listed >= FILES, "alpha listed its directory: " + listed);

            Qid after = rig.beta.walk(0, 2, "mine").getFirst();
            assertEquals(
                    Long.toHexString(before.path()),
                    Long.toHexString(after.path()),
                    "beta's file kept its inode number while alpha listed its own files");
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
