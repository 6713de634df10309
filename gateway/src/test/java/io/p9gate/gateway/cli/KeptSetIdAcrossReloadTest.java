package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.PolicyHolder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins what a reload does to kept set-id bits (fs.SetIdBits) of a share inside another VM's marked share: nothing,
 * since a reload opens and closes no share directory (they are opened at start). Alpha's root keeps a set-uid program
 * in {@code shared/inner}, which is beta's share; a reload takes alpha's share away, beta's root writes its code into
 * the program, a reload gives alpha its share back: alpha sees the bit cleared, as a restart without alpha's share
 * must show too ({@code adversarial.KeptSetIdAcrossVmsAttackTest}).
 */
@Timeout(60)
class KeptSetIdAcrossReloadTest {
    private static final int O_RDWR = 2;
    private static final int O_WRONLY = 1;
    private static final long GETATTR_BASIC = 0x7ffL;

    @TempDir
    Path tmp;

    @Test
    void aWriteThroughTheInnerShareWhileAReloadTookTheOuterAwayClearsTheKeptBits() throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("shared"));
        Path inner = Files.createDirectories(outer.resolve("inner"));
        Files.createDirectories(tmp.resolve("own"));
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, policy(outer, inner));
        try (ReloadingGateway gateway = new ReloadingGateway(file)) {
            gateway.closeRemovedVms();
            gateway.closeTakenShares();
            try (P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "inner");
                alpha.lcreate(1, "su", O_RDWR, 0755, 0);
                alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
                assertEquals(04755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "alpha keeps its set-uid bit");
            }
            Files.writeString(file, policy(tmp.resolve("own"), inner));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());
            try (P9Client beta = ReloadingGateway.connect(tmp.resolve("beta.sock"))) {
                beta.attach(0, "root", "data", 0);
                beta.walk(0, 1, "su");
                beta.lopen(1, O_WRONLY);
                byte[] trojan = "#!/bin/sh\nexec /bin/sh -p\n".getBytes(StandardCharsets.US_ASCII);
                assertEquals(trojan.length, beta.write(1, 0, trojan));
            }
            Files.writeString(file, policy(outer, inner));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());
            try (P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "inner", "su");
                assertEquals(0755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "beta's write cleared set-uid");
            }
        }
    }

    /**
     * A reload that changes a VM's uid map while a kept set-uid value is stored: alpha's user 1000 (host 101000) keeps
     * its own program set-uid (user.p9gate.setid {@code 4000 101000 101000}); the reload maps alpha's guest ids from
     * host 101000, so host 101000 is alpha's root now, and the value, kept for the host owner alone, applies: every
     * user of alpha is shown a set-uid-root program with user 1000's code (4755, uid 0). OPEN: the value names no
     * guest ids to tell the map changed; a fix records the guest owner the keeping VM showed and drops the bits in
     * SetIdBits.shown where the VM now shows another (session 40, setid41 report).
     */
    @Disabled("open defect (Medium): a remap shows a user's kept set-uid program as root's; see the comment")
    @Test
    void aUsersKeptSetUidProgramIsNotRootsAfterARemapGivesItsOwnerToRoot() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, "image: test\nvms:\n" + vm("alpha", 100000, data));
        try (ReloadingGateway gateway = new ReloadingGateway(file)) {
            try (P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "user", "data", 1000);
                alpha.walk(0, 1);
                alpha.lcreate(1, "prog", O_RDWR, 0755, 1000);
                alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
                assertEquals(04755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "the user keeps its set-uid bit");
            }
            Files.writeString(file, "image: test\nvms:\n" + vm("alpha", 101000, data));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());
            try (P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "user", "data", 2000);
                alpha.walk(0, 1, "prog");
                Attr seen = alpha.getattr(1, GETATTR_BASIC);
                assertEquals(0, seen.uid(), "host 101000 is alpha's root now");
                assertEquals("755", Integer.toOctalString(seen.mode() & 07777), "user 1000's set-uid is not root's");
            }
        }
    }

    /** Alpha (guest ids at host 100000) shares {@code alphaData}, beta (at 200000) {@code betaData}. */
    private String policy(Path alphaData, Path betaData) {
        return "image: test\nvms:\n" + vm("alpha", 100000, alphaData) + vm("beta", 200000, betaData);
    }

    private String vm(String name, int hostBase, Path data) {
        return """
                  %s:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(name, tmp.resolve(name + ".sock"), hostBase, hostBase, data);
    }
}
