package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, last bullet (DAC): a guest user reads and chowns another user's private host file. Under the
 * default "the VM is the principal" the policy is the access control and the guest kernel checks modes; a share
 * with {@code permissions: enforce} makes the gateway check host permissions as the request's mapped guest
 * uid/gid, as QEMU's passthrough and diod do with setfsuid.
 */
class HostPermissionsAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int GUEST_USER = 1000;
    private static final byte[] SECRET = "top secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "host-owned files of another user need a root test run");
    }

    /** A host file of uid 0, mode 0600, in {@code dir}. */
    private static Path rootsPrivateFile(Path dir) throws Exception {
        return HostShareGateway.privateFile(dir, SECRET, 0);
    }

    @Test
    void withEnforceAGuestUserCannotReadOrTakeAnotherUsersPrivateFile() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            Path secret = rootsPrivateFile(gw.share("data"));
            guest.walk(0, 1, "secret");
            assertEquals(Errno.EACCES, refused(guest, new TMessage.Tlopen(1, O_RDONLY)));
            assertEquals(Errno.EACCES, refused(guest, new TMessage.Tlopen(1, O_RDWR)));
            assertEquals(
                    Errno.EPERM,
                    refused(
                            guest,
                            new TMessage.Tsetattr(
                                    1,
                                    new SetAttr(
                                            SetAttr.SETATTR_UID | SetAttr.SETATTR_GID,
                                            0,
                                            GUEST_USER,
                                            GUEST_USER,
                                            0,
                                            0,
                                            0,
                                            0,
                                            0))));
            assertEquals(
                    Errno.EPERM,
                    refused(
                            guest,
                            new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0666, 0, 0, 0, 0, 0, 0, 0))));
            assertEquals(0, Files.getAttribute(secret, "unix:uid"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));

            // Guest root is host uid 100000, not host root: it does not get the file either.
            try (P9Client guestRoot = gw.attached("data", 0)) {
                guestRoot.walk(0, 1, "secret");
                assertEquals(Errno.EACCES, refused(guestRoot, new TMessage.Tlopen(1, O_RDONLY)));
            }
        }
    }

    @Test
    void withEnforceTheGuestActsAsItsMappedHostUser() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client guest = gw.client()) {
            Path data = gw.share("data");
            Files.createDirectory(
                    data.resolve("private"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.writeString(data.resolve("public"), "for all");
            Files.setPosixFilePermissions(data.resolve("public"), PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));

            guest.attach(0, "user", "data", GUEST_USER);
            guest.walk(0, 1, "private");
            assertEquals(
                    Errno.EACCES,
                    refused(guest, new TMessage.Twalk(1, 4, java.util.List.of("x"))),
                    "no search permission in root's 0700 directory");
            guest.walk(0, 2, "public");
            guest.lopen(2, O_RDONLY);
            assertArrayEquals("for all".getBytes(StandardCharsets.UTF_8), guest.read(2, 0, 100));

            guest.walk(0, 3);
            guest.lcreate(3, "mine", O_RDWR, 0600, GUEST_USER);
            guest.write(3, 0, SECRET);
            Path mine = data.resolve("mine");
            assertEquals(
                    HostShareGateway.HOST_ID_BASE + GUEST_USER,
                    Files.getAttribute(mine, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                    "created as the mapped host user, not chowned afterwards");
            assertEquals(
                    HostShareGateway.HOST_ID_BASE + GUEST_USER,
                    Files.getAttribute(mine, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void withoutEnforceTheVmIsThePrincipalAndModesAreTheGuestKernelsBusiness() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            Path secret = rootsPrivateFile(gw.share("data"));
            guest.walk(0, 1, "secret");
            guest.lopen(1, O_RDONLY);
            assertArrayEquals(SECRET, guest.read(1, 0, 100), "documented: the policy, not the mode, decides");
            guest.walk(0, 2, "secret");
            guest.setattr(2, new SetAttr(SetAttr.SETATTR_UID, 0, GUEST_USER, 0, 0, 0, 0, 0, 0));
            assertEquals(HostShareGateway.HOST_ID_BASE + GUEST_USER, Files.getAttribute(secret, "unix:uid"));
        }
    }

    @Test
    void everyWorkerGoesBackToTheGatewaysOwnCredentials() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(
                        tmp,
                        java.util.List.of(
                                new HostShareGateway.Share("enforced", share(tmp, "enforced"), "permissions: enforce"),
                                new HostShareGateway.Share("trusting", share(tmp, "trusting"), "")));
                P9Client enforced = gw.client();
                P9Client trusting = gw.client()) {
            rootsPrivateFile(gw.share("enforced"));
            rootsPrivateFile(gw.share("trusting"));
            enforced.attach(0, "user", "enforced", GUEST_USER);
            trusting.attach(0, "user", "trusting", GUEST_USER);
            // More rounds than workers, so every worker thread serves both shares in turn.
            for (int round = 0; round < 32; round++) {
                enforced.walk(0, 1, "secret");
                assertEquals(Errno.EACCES, refused(enforced, new TMessage.Tlopen(1, O_RDONLY)), "round " + round);
                enforced.clunk(1);
                trusting.walk(0, 1, "secret");
                trusting.lopen(1, O_RDONLY);
                assertArrayEquals(SECRET, trusting.read(1, 0, 100), "round " + round);
                trusting.clunk(1);
            }
        }
    }

    private static Path share(Path tmp, String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shares").resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static Errno refused(P9Client guest, TMessage request) {
        return assertThrows(P9Exception.class, () -> guest.rpc(request), request.toString())
                .errno();
    }
}
