package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.ids.IdRange;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (one VM's files readable by another's users): beta's root makes a set-gid directory of its own group
 * (host 200000) in the folder both VMs share, and alpha's user 1000 creates in it. On Linux the new entry inherits
 * the directory's group; here that group is beta's, outside alpha's map, so beta's users would read alpha's new
 * file through its group bits and alpha would see its own file as the overflow group. The new entry must take the
 * group alpha's request names (one its map holds), whatever the kind of entry and the ownership mode.
 */
class CreatedInAnotherVmsSetGidDirectoryAttackTest {
    private static final int O_RDWR = 2;
    private static final int S_IFIFO = 0010000;
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final int ALICE = 1000;
    private static final int OVERFLOW = (int) IdRange.MAX_ID;
    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    enum Kind {
        FILE,
        DIRECTORY,
        FIFO,
        SYMLINK
    }

    @ParameterizedTest
    @CsvSource({
        "CHOWN, FILE, guest",
        "CHOWN, DIRECTORY, guest",
        "CHOWN, FIFO, guest",
        "CHOWN, SYMLINK, guest",
        "XATTR, FILE, guest",
        "XATTR, DIRECTORY, guest",
        "XATTR, FIFO, guest",
        "XATTR, SYMLINK, guest",
        "CHOWN, FILE, enforce",
        "CHOWN, DIRECTORY, enforce",
        "CHOWN, FIFO, enforce",
        "CHOWN, SYMLINK, enforce"
    })
    void whatAlphaMakesInBetasSetGidDirectoryIsInTheGroupAlphaAsked(OwnershipMode mode, Kind kind, String permissions)
            throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig _ = new OwnershipRig(policy(share, permissions), mode);
                P9Client alpha = OwnershipRig.connect(tmp.resolve("alpha.sock"));
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1);
            beta.mkdir(1, "team", 02777, 0);
            assertEquals(02777, modeSeen(beta, "team"), "beta's set-gid directory");
            alpha.attach(0, "alice", "data", ALICE);
            alpha.walk(0, 1, "team");
            make(alpha, kind, "new");
            assertEquals(ALICE, seen(alpha, "team/new").gid(), "alpha sees its new " + kind + " in its own group");
            assertEquals(OVERFLOW, seen(beta, "team/new").gid(), "beta's users get no group access to alpha's " + kind);
            if (mode == OwnershipMode.CHOWN) {
                assertEquals(
                        100000 + ALICE,
                        Files.getAttribute(share.resolve("team/new"), "unix:gid", LinkOption.NOFOLLOW_LINKS),
                        "the host group is alpha's 1000");
            }
        }
    }

    /**
     * A 9P2000.u Tcreate names no group: alpha's file takes the directory's as alpha sees it, never beta's. Beta's
     * group shows to alpha as the overflow id, no group of alpha's: the file takes the group of requests naming none,
     * alpha's 65534 (as while the overflow id was 65534), not a refusal.
     */
    @ParameterizedTest
    @CsvSource({"CHOWN, guest", "XATTR, guest", "CHOWN, enforce"})
    void alphasLegacyCreateInBetasSetGidDirectoryIsNotInBetasGroup(OwnershipMode mode, String permissions)
            throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        try (OwnershipRig _ = new OwnershipRig(policy(share, permissions), mode);
                P9Client alpha = P9Client.connect(UnixDomainSocketAddress.of(tmp.resolve("alpha.sock")), 65536);
                P9Client beta = OwnershipRig.connect(tmp.resolve("beta.sock"))) {
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1);
            beta.mkdir(1, "team", 02777, 0);
            alpha.version(65536, "9P2000.u");
            alpha.attach(0, "alice", "data", ALICE);
            alpha.walk(0, 1, "team");
            alpha.rpc(new TMessage.Tcreate(1, "new", 0644, 1, Optional.of("")));
            assertEquals(OVERFLOW, seen(beta, "team/new").gid(), "beta's users get no group access to alpha's file");
            Stat made = ((RMessage.Rstat) alpha.rpc(new TMessage.Tstat(1))).stat();
            assertEquals(NOBODY, made.unix().orElseThrow().nGid(), "alpha's own group of requests naming none");
        }
    }

    private static void make(P9Client alpha, Kind kind, String name) throws Exception {
        switch (kind) {
            case FILE -> alpha.lcreate(1, name, O_RDWR, 0664, ALICE);
            case DIRECTORY -> alpha.mkdir(1, name, 02775, ALICE); // the Linux client adds set-gid in one
            case FIFO -> alpha.rpc(new TMessage.Tmknod(1, name, S_IFIFO | 0664, 0, 0, ALICE));
            case SYMLINK -> alpha.symlink(1, name, "target", ALICE);
        }
    }

    /** Alpha (guest ids at host 100000) and beta (at 200000) share {@code share} with {@code permissions}. */
    private Path policy(Path share, String permissions) throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(share, PosixFilePermissions.fromString("rwxrwxrwx")); // both VMs' users
        return OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                vm("alpha", tmp.resolve("alpha.sock"), 100000, share, permissions),
                vm("beta", tmp.resolve("beta.sock"), 200000, share, permissions));
    }

    private static String vm(String name, Path socket, int hostBase, Path share, String permissions) {
        return OwnershipRig.vm(name, socket, hostBase, share)
                .replace("access: read-write}", "access: read-write, permissions: " + permissions + "}");
    }

    private static Attr seen(P9Client client, String path) throws Exception {
        client.walk(0, 9, path.split("/"));
        try {
            return client.getattr(9, GETATTR_BASIC);
        } finally {
            client.clunk(9);
        }
    }

    private static int modeSeen(P9Client client, String path) throws Exception {
        return seen(client, path).mode() & 07777;
    }
}
