package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.testing.Root;
import io.p9gate.policy.ids.IdRange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (one VM's files in another VM's group): alpha's map also maps its {@code overflow: 500} (guest 500 is host
 * 100500; {@code policy check} warns, {@code --strict} refuses), so a set-gid directory whose host group alpha's map
 * does not cover (host root's, beta's 200000) shows to alpha as group 500, and alpha's Linux client names 500 as the
 * new entry's gid there. Guest 500 is a group alpha maps, so the create is no "overflow gid naming no group" (which
 * takes guest 65534's, SetGidUnmappedGroupCreateAttackTest): the entry takes alpha's host 100500, the group alpha is
 * shown for the directory, never the directory's host group (0, or beta's 200000, whose users would get group
 * access). Pins it (no defect): alpha's guest 500 gains nothing over host root's files it did not have, since it is
 * shown as their group already.
 */
class MappedOverflowSetGidCreateAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final int BASE = HostShareGateway.HOST_ID_BASE;
    private static final int ALPHAS_OVERFLOW = 500;
    /** Beta's overflow: the default (u32)-2. */
    private static final int OVERFLOW = (int) IdRange.MAX_ID;

    private static final int ALICE = 1000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void alphasCreateNamingItsMappedOverflowInAnUnmappedSetGidDirectoryTakesAlphasGroup(OwnershipMode mode)
            throws Exception {
        Root.assumeRoot("host groups");
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(share, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path hosts = Files.createDirectory(share.resolve("hosts"));
        assertEquals(0, run("chmod", "2777", hosts.toString()), "host root's set-gid directory");
        Path alphaSocket = tmp.resolve("alpha.sock");
        Path betaSocket = tmp.resolve("beta.sock");
        String alphaVm = OwnershipRig.vm("alpha", alphaSocket, BASE, share)
                .replace("count: 65536}]}", "count: 65536}], overflow: " + ALPHAS_OVERFLOW + "}");
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"), alphaVm, OwnershipRig.vm("beta", betaSocket, 2 * BASE, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(alphaSocket);
                P9Client beta = OwnershipRig.connect(betaSocket)) {
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1);
            beta.mkdir(1, "team", 02777, 0);
            alpha.attach(0, "alice", "data", ALICE);
            for (String dir : new String[] {"hosts", "team"}) {
                alpha.walk(0, 1, dir);
                Attr shown = alpha.getattr(1, GETATTR_BASIC);
                assertEquals(ALPHAS_OVERFLOW, shown.gid(), dir + ": its group as alpha sees it");
                assertEquals(02000, shown.mode() & 02000, dir + ": set-gid as alpha sees it");
                alpha.walk(1, 2);
                alpha.lcreate(2, "f", O_RDWR, 0640, ALPHAS_OVERFLOW);
                alpha.mkdir(1, "d", 0750, ALPHAS_OVERFLOW);
                alpha.walk(1, 3, "d");
                for (int fid : new int[] {2, 3}) {
                    assertEquals(
                            ALPHAS_OVERFLOW, alpha.getattr(fid, GETATTR_BASIC).gid(), dir + " fid " + fid);
                }
                for (String name : new String[] {"f", "d"}) {
                    Path made = share.resolve(dir).resolve(name);
                    assertEquals(BASE + ALPHAS_OVERFLOW, hostGroup(made, mode), dir + "/" + name + ": alpha's 500");
                    beta.walk(0, 4, dir, name);
                    assertEquals(
                            OVERFLOW, beta.getattr(4, GETATTR_BASIC).gid(), dir + "/" + name + ": no group of beta's");
                    beta.clunk(4);
                }
                for (int fid : new int[] {3, 2, 1}) {
                    alpha.clunk(fid);
                }
            }
        }
    }

    /** The host group the gateway gives {@code entry}: the inode's, or in xattr ownership the one it stores. */
    private static int hostGroup(Path entry, OwnershipMode mode) throws Exception {
        if (mode == OwnershipMode.CHOWN) {
            return (Integer) Files.getAttribute(entry, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(entry, UserDefinedFileAttributeView.class);
        ByteBuffer value = ByteBuffer.allocate(view.size("p9gate.host-gid"));
        view.read("p9gate.host-gid", value);
        return Integer.parseInt(new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII));
    }

    private static int run(String... command) throws Exception {
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
