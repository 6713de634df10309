package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2: a VM whose share decides by path (a hidden subtree) walks into ten directories, each one watched, and
 * disconnects. Its watches held on, counting it in the fair part of the gateway's watches (backend.WatchBudget) and
 * leaving every VM still connected less, until the gateway stopped. Its last session's end gives them up; its next
 * session watches anew.
 */
class DisconnectedVmWatchesAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aDisconnectedVmsWatchesAreReleased() throws Exception {
        long before = kernelWatches();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = gw.share("data");
            for (int i = 0; i < 10; i++) {
                Files.createDirectories(share.resolve("pub/d" + i));
                Files.writeString(share.resolve("pub/d" + i + "/f"), "public");
            }
            try (P9Client vm = gw.attached("data", 0)) {
                for (int i = 0; i < 10; i++) {
                    vm.walk(0, 1 + i, "pub", "d" + i, "f");
                }
                assertTrue(kernelWatches() - before >= 10, "walks watched: " + (kernelWatches() - before));
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (kernelWatches() > before && System.nanoTime() < deadline) {
                Thread.sleep(20); // a poll, bounded by the deadline
            }
            assertEquals(before, kernelWatches(), "watches the disconnected VM still holds in the kernel");
            try (P9Client again = gw.attached("data", 0)) {
                again.walk(0, 1, "pub", "d0", "f");
                assertTrue(kernelWatches() - before >= 3, "a new session's walk watches anew");
            }
        }
    }

    /**
     * A reload that takes one share from a VM which stays connected through another: the share's watches went only
     * when the VM's last session ended. No session can attach it again, so the reload gives them up.
     */
    @Test
    void aShareTheReloadTookAwayGivesUpItsWatches() throws Exception {
        long before = kernelWatches();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data", "other")) {
            Path share = gw.share("data");
            for (int i = 0; i < 10; i++) {
                Files.createDirectories(share.resolve("pub/d" + i));
                Files.writeString(share.resolve("pub/d" + i + "/f"), "public");
            }
            try (P9Client stays = gw.attached("other", 0)) {
                stays.walk(0, 1);
                try (P9Client vm = gw.attached("data", 0)) {
                    for (int i = 0; i < 10; i++) {
                        vm.walk(0, 1 + i, "pub", "d" + i, "f");
                    }
                }
                long held = kernelWatches() - before;
                assertTrue(held >= 10, "walks watched: " + held);
                String policy = Files.readString(gw.policyFile);
                int data = policy.indexOf("      data:\n");
                int other = policy.indexOf("      other:\n");
                assertTrue(data >= 0 && other > data, policy);
                Files.writeString(gw.policyFile, policy.substring(0, data) + policy.substring(other));
                gw.reload();
                long left = kernelWatches() - before;
                assertTrue(left <= 2, "watches the share taken away still holds: " + left + " of " + held);
            }
        }
    }

    /** inotify watches this process holds, every instance together. */
    private static long kernelWatches() throws IOException {
        long n = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:inotify")) {
                        n += Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getFileName())).stream()
                                .filter(l -> l.startsWith("inotify wd:"))
                                .count();
                    }
                } catch (IOException closed) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }
}
