package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3, beside {@link OvermountedShareRootAttackTest}: the share's configured path is an admin's symlink
 * ({@code srv/data -> data-a}), which the admin points elsewhere while the gateway runs ({@code ln -sfn data-b}, a
 * storage migration, or a VM taken off a directory it must no longer see). The gateway holds the directory it opened,
 * so a new Tattach was served from the old target without a word, while the path names the directory a restart
 * serves. It is refused (ESTALE) with one WARNING, as a file system mounted over the path is; sessions attached before
 * keep their directory; pointed back, the share is served again; a symlink removed (the path leads nowhere, as a moved
 * directory's) leaves it served.
 */
class RepointedShareSymlinkAttackTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void aNewAttachAfterTheAdminsSymlinkWasPointedElsewhereIsStaleAndTheOperatorIsTold() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path a = Files.createDirectories(tmp.resolve("data-a"));
        Path b = Files.createDirectories(tmp.resolve("data-b"));
        Path share = Files.createDirectories(tmp.resolve("srv")).resolve("data");
        Files.createSymbolicLink(share, a);
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        try (LoggedLines log = new LoggedLines("io.p9gate");
                OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN);
                P9Client before = OwnershipRig.connect(socket)) {
            before.attach(0, "root", "data", 0);
            pointAt(share, b);
            String told = OwnershipRig.assertStaleToNewAttaches(socket, share, log);
            assertTrue(told.contains("its path now leads to another directory"), told);
            assertTrue(told.contains("restart"), told);
            before.lcreate(0, "kept", O_RDWR, 0644, 0); // the session attached before: the directory it holds
            assertTrue(Files.exists(a.resolve("kept")));
            assertEquals(List.of(), List.of(b.toFile().list()), "nothing made in the new target");

            pointAt(share, a);
            try (P9Client back = OwnershipRig.connect(socket)) {
                back.attach(0, "root", "data", 0);
                back.walk(0, 1, "kept");
            }
            Files.delete(share);
            try (P9Client nowhere = OwnershipRig.connect(socket)) {
                nowhere.attach(0, "root", "data", 0);
                nowhere.walk(0, 1, "kept");
            }
            assertEquals(1, log.startingWith("share 'data' (" + share + ")").size(), "told once");
        }
    }

    /** A symlink at the path pointing to the same directory another way is no change. */
    @Test
    void aSymlinkRemadeToTheSameDirectoryStaysServed() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path a = Files.createDirectories(tmp.resolve("data-a"));
        Path share = Files.createDirectories(tmp.resolve("srv")).resolve("data");
        Files.createSymbolicLink(share, a);
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, share));
        try (LoggedLines log = new LoggedLines("io.p9gate");
                OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.CHOWN)) {
            pointAt(share, Path.of("../data-a"));
            try (P9Client after = OwnershipRig.connect(socket)) {
                after.attach(0, "root", "data", 0);
            }
            assertEquals(List.of(), log.startingWith("share 'data'"));
        }
    }

    /** As {@code ln -sfn target link}, atomically: a new symlink renamed over the old one. */
    private static void pointAt(Path link, Path target) throws Exception {
        Path next = link.resolveSibling(link.getFileName() + ".next");
        Files.createSymbolicLink(next, target);
        Files.move(next, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
