package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (one VM hurting another through the host): alpha's root keeps a set-uid program for its guest only
 * (fs.SetIdBits: the bits live in an xattr of the inode, the host file is 0755). The host then gives the file to
 * beta, as a folder handed over between VMs is ({@code chown -R} to beta's ids). On any Linux file system that chown
 * clears set-uid (and set-gid with group-execute), but the host's chown leaves a user xattr alone: beta was shown a
 * set-uid program of its own root's, alpha's code, which any user of beta could run as beta's root.
 */
class KeptSetIdAfterHostChownAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final int BETA_ROOT = 200000;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} kept, host owner {1}:{2}")
    @CsvSource({
        "04755, 200000, 100000, 0755", // given to beta's root: set-uid goes, as chown(2) clears it
        "02755, 100000, 200000, 0755", // given to beta's root group: set-gid with g+x goes
        "06755, 200000, 200000, 0755",
        "02745, 100000, 200000, 02745", // set-gid without g+x (mandatory locking) stays, as Linux keeps it
    })
    void aFileTheHostGivesAnotherVmLosesTheSetIdBitsAChownClears(String kept, int uid, int gid, String shown)
            throws Exception {
        assertEquals(
                Integer.parseInt(shown, 8),
                seenByBeta(policy(share()), OwnershipMode.CHOWN, Integer.parseInt(kept, 8), su -> chown(su, uid, gid))
                                .mode()
                        & 07777,
                "the host's chown cleared what a chown clears: beta runs no set-id program of alpha's code");
    }

    /**
     * Cleared for good, as chown(2) clears them: the file handed to beta, beta writes its code into it, and the host
     * hands it back to alpha, whose root's program it was. Were the bits only hidden while the owner differed, alpha
     * would run beta's code as its root.
     */
    @Test
    void aFileHandedBackAfterAnotherVmWroteItIsNoLongerSetUid() throws Exception {
        Path share = share();
        try (OwnershipRig _ = new OwnershipRig(policy(share), OwnershipMode.CHOWN);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            plant(alpha, 04755);
            Path program = share.resolve("su");
            chown(program, BETA_ROOT, BETA_ROOT);
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "su");
            beta.lopen(1, O_RDWR);
            beta.write(1, 0, "#!/bin/sh\nexec /bin/sh -p\n".getBytes(StandardCharsets.US_ASCII));
            chown(program, 100000, 100000); // handed back
            alpha.walk(0, 2, "su");
            assertEquals(0755, alpha.getattr(2, GETATTR_BASIC).mode() & 07777, "alpha runs no set-uid beta code");
        }
    }

    /**
     * Host ids from 2^31 are valid ids (a map may reach 4294967294): kept for such an owner, the bits were read back as
     * a value of the bits alone, which applies whatever the owner, so the host's hand-over to beta cleared nothing and
     * beta was shown alpha's program set-uid for its own root.
     */
    @Test
    void bitsKeptForAnOwnerPast2To31AreClearedByTheHostsChownToo() throws Exception {
        long alphaBase = 0x8000_0000L;
        Attr seen = seenByBeta(policy(share(), alphaBase, BETA_ROOT), OwnershipMode.CHOWN, 04755, su -> {
            assertEquals((int) alphaBase, Files.getAttribute(su, "unix:uid", LinkOption.NOFOLLOW_LINKS), "alpha's");
            chown(su, BETA_ROOT, BETA_ROOT);
        });
        assertEquals(0755, seen.mode() & 07777, "beta runs no set-uid alpha code");
    }

    /**
     * With {@code --ownership xattr} the owner is {@code user.p9gate.host-uid}/{@code -gid}, not the inode's (the
     * gateway's, the same for every file): the host hands a file over by rewriting them. The bits were compared with
     * the inode's owner, which that leaves alone, so beta was shown alpha's program set-uid for its own root.
     */
    @Test
    void inXattrOwnershipBitsKeptForAnotherStoredOwnerAreCleared() throws Exception {
        Attr seen = seenByBeta(policy(share()), OwnershipMode.XATTR, 04755, storedOwner(BETA_ROOT));
        assertEquals(0, seen.uid(), "beta's root owns it now");
        assertEquals(0755, seen.mode() & 07777, "beta runs no set-uid alpha code");
    }

    /**
     * A value of the bits alone ("4000", as gateways wrote before 2026-12-06) names no owner, so nothing tells whether
     * the host chowned the file since: applied whatever the owner, the host's hand-over to beta cleared nothing and
     * beta was shown alpha's program set-uid for its own root until the file's next write, truncate or chown. Now such
     * bits apply as bits kept for another owner do: what a chown clears is gone (a guest's root sets them again with
     * a chmod, which stores its owner).
     */
    @Test
    void bitsKeptWithoutAnOwnerAreClearedAsAfterAHostChown() throws Exception {
        Attr seen = seenByBeta(policy(share()), OwnershipMode.CHOWN, 04755, su -> {
            Files.getFileAttributeView(su, UserDefinedFileAttributeView.class)
                    .write("p9gate.setid", StandardCharsets.US_ASCII.encode("4000"));
            chown(su, BETA_ROOT, BETA_ROOT);
        });
        assertEquals(0755, seen.mode() & 07777, "beta runs no set-uid alpha code");
    }

    /**
     * The stored host ids are the host's ids in decimal (docs/policy.md, as {@code id} and the audit log spell them):
     * one from 2^31 up, a hand-over to beta at host 2147483648, was read as an int, failed to parse and was dropped,
     * so the file stayed the inode's (the gateway's: the overflow id to beta), its owner's hand-over silently undone.
     */
    @Test
    void inXattrOwnershipAHandOverToAHostIdPast2To31IsTaken() throws Exception {
        long betaBase = 0x8000_0000L;
        Attr seen = seenByBeta(policy(share(), 100000, betaBase), OwnershipMode.XATTR, 04755, storedOwner(betaBase));
        assertEquals(0, seen.uid(), "beta's root owns it now");
        assertEquals(0, seen.gid(), "beta's root group");
        assertEquals(0755, seen.mode() & 07777, "beta runs no set-uid alpha code");
    }

    /** What the gateway stores for an owner from 2^31 up is that host id in decimal, not the int it is carried in. */
    @Test
    void inXattrOwnershipAHostIdPast2To31IsStoredAsItIs() throws Exception {
        long alphaBase = 0x8000_0000L;
        Path share = share();
        try (OwnershipRig _ = new OwnershipRig(policy(share, alphaBase, BETA_ROOT), OwnershipMode.XATTR);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"))) {
            plant(alpha, 0755);
        }
        UserDefinedFileAttributeView stored =
                Files.getFileAttributeView(share.resolve("su"), UserDefinedFileAttributeView.class);
        for (String id : new String[] {"p9gate.host-uid", "p9gate.host-gid"}) {
            java.nio.ByteBuffer value = java.nio.ByteBuffer.allocate(stored.size(id));
            stored.read(id, value);
            assertEquals(Long.toString(alphaBase), new String(value.array(), StandardCharsets.US_ASCII), id);
        }
    }

    /** How the host hands alpha's program over. */
    @FunctionalInterface
    private interface HandOver {
        void to(Path program) throws Exception;
    }

    /** The host's hand-over in xattr ownership: the stored owner and group rewritten to {@code hostId} in decimal. */
    private static HandOver storedOwner(long hostId) {
        return su -> {
            UserDefinedFileAttributeView owner = Files.getFileAttributeView(su, UserDefinedFileAttributeView.class);
            for (String id : new String[] {"p9gate.host-uid", "p9gate.host-gid"}) {
                owner.write(id, StandardCharsets.US_ASCII.encode(Long.toString(hostId)));
            }
        };
    }

    /** Alpha's root keeps {@code kept} on "su", the host hands it over ({@code handOver}): what beta's root sees. */
    private Attr seenByBeta(Path policy, OwnershipMode mode, int kept, HandOver handOver) throws Exception {
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            plant(alpha, kept);
            handOver.to(share().resolve("su"));
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "su");
            return beta.getattr(1, GETATTR_BASIC);
        }
    }

    /** The folder alpha and beta share. */
    private Path share() throws Exception {
        return Files.createDirectories(tmp.resolve("shared"));
    }

    /** Alpha's root makes "su" and keeps {@code kept} on it. */
    private static void plant(P9Client alpha, int kept) throws Exception {
        alpha.attach(0, "root", "data", 0);
        alpha.walk(0, 1);
        alpha.lcreate(1, "su", O_RDWR, 0755, 0);
        alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, kept, 0, 0, 0, 0, 0, 0, 0));
        assertEquals(kept, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "alpha keeps it");
        alpha.clunk(1);
    }

    /** The host's chown. */
    private static void chown(Path file, int uid, int gid) throws Exception {
        Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** Alpha (guest ids at host 100000) and beta (at {@value #BETA_ROOT}) share one folder. */
    private Path policy(Path share) throws Exception {
        return policy(share, 100000, BETA_ROOT);
    }

    /** Alpha (guest ids at host {@code alphaBase}) and beta (at {@code betaBase}) share one folder. */
    private Path policy(Path share, long alphaBase, long betaBase) throws Exception {
        return OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm("alpha", tmp.resolve("alpha.sock"), alphaBase, share),
                OwnershipRig.vm("beta", tmp.resolve("beta.sock"), betaBase, share));
    }
}
