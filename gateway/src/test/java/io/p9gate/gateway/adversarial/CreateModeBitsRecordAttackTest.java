package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Blue team (the record must say what was made): a VM's create mode may carry set-id bits and file type bits. The
 * host never gets the set-id bits of a file, but the guest keeps them (fs.SetIdBits): alpha's root made a set-uid
 * set-gid program (guest mode 6755, honoured by its kernel) and the record said {@code mode=755}, so the log showed no
 * set-id program made. Type bits, which open(2) and mkdir(2) ignore, were recorded as sent: a regular file's create
 * said {@code mode=40644}, a directory's {@code mode=100755}. The record now names the mode the guest's new entry has.
 */
class CreateModeBitsRecordAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "CHOWN, lcreate, 06755, 6755, 0755", // a set-id program: kept for the guest, never on the host
        "XATTR, lcreate, 06755, 6755, 0755",
        "CHOWN, lcreate, 0104755, 4755, 0755", // S_IFREG sent with the mode
        "CHOWN, lcreate, 040644, 644, 0644", // S_IFDIR on a file's create: ignored, as open(2) does
        "CHOWN, lcreate, 0177777, 7777, 01777",
        "CHOWN, mkdir, 0100755, 755, 0755", // S_IFREG on a mkdir: ignored, as mkdir(2) does
        "CHOWN, mkdir, 040755, 755, 0755", // S_IFDIR, as the Linux client sends it
        "CHOWN, mkdir, 07777, 3777, 03777", // a directory never takes S_ISUID (mkdir(2)); set-gid and sticky stay
        "XATTR, mkdir, 07777, 3777, 0777",
    })
    void theRecordNamesTheModeTheGuestsNewEntryHas(
            OwnershipMode mode, String op, String asked, String recorded, String onHost) throws Exception {
        int askedMode = Integer.parseInt(asked, 8);
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig rig = new OwnershipRig(policy(share), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            if (op.equals("lcreate")) {
                alpha.lcreate(1, "x", O_RDWR, askedMode, 0);
            } else {
                alpha.mkdir(1, "x", askedMode, 0);
            }
            AuditEntry made = rig.trail.decisions.stream()
                    .filter(e -> e.request().operation() == (op.equals("lcreate") ? Operation.CREATE : Operation.MKDIR))
                    .reduce((a, b) -> b)
                    .orElseThrow();
            assertNull(made.outcome().errno(), "made: " + made);
            alpha.walk(0, 9, "x");
            int seen = alpha.getattr(9, GETATTR_BASIC).mode() & 07777;
            assertEquals(recorded, Integer.toOctalString(seen), "the guest's new entry");
            assertEquals(
                    "mode=" + recorded,
                    made.request().args().describe().replaceAll(".*(mode=[0-7]+).*", "$1"),
                    "the record names the mode the guest's entry has: " + made);
            int host = (int) Files.getAttribute(share.resolve("x"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (mode == OwnershipMode.CHOWN) {
                assertEquals(Integer.parseInt(onHost, 8), host & 07777, "the host inode's mode");
            } else {
                assertEquals(0, host & 07000, "no set-id or sticky bit on the host");
            }
        }
    }

    /**
     * A share on a file system without user xattrs (ramfs here) cannot keep a create's set-id bits: the guest's new
     * file has none, and the record said {@code mode=6755}, a set-id program that was never made.
     */
    @Test
    void onAFileSystemWithoutUserXattrsTheRecordNamesNoSetIdBits() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        assumeTrue(run("mount", "-t", "ramfs", "none", share.toString()) == 0, "mount -t ramfs needs root");
        try (OwnershipRig rig = new OwnershipRig(policy(share), OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "x", O_RDWR, 06755, 0);
            AuditEntry made = rig.trail.decisions.stream()
                    .filter(e -> e.request().operation() == Operation.CREATE)
                    .reduce((a, b) -> b)
                    .orElseThrow();
            alpha.walk(0, 9, "x");
            assertEquals(0755, alpha.getattr(9, GETATTR_BASIC).mode() & 07777, "no user xattrs: no bits kept");
            assertEquals(
                    "mode=755",
                    made.request().args().describe().replaceAll(".*(mode=[0-7]+).*", "$1"),
                    "the record names the mode the guest's file has: " + made);
        } finally {
            run("umount", "-l", share.toString());
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private Path policy(Path share) throws Exception {
        return OwnershipRig.policy(
                tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", tmp.resolve("alpha.sock"), 100000, share));
    }
}
