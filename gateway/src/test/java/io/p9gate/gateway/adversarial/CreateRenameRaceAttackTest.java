package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.HostXattrs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-5, races): Tmkdir, Tmknod and Tsymlink made the entry on the host, then looked it up again by name
 * to give it the guest's mode and owner (chmod to the mode asked, chown to the VM's mapped ids, a mapped device's
 * xattr). A Trenameat from another session of the VM moving an existing entry onto that name in between made the
 * gateway chmod and chown <em>that</em> entry: under a policy that refuses the VM's SETATTR but allows RENAME, the
 * guest had a host file it may not chmod made 0666 and its own. The attributes must go to the inode the request made
 * and never to another: it is made under a name no guest can see or name, given its attributes there, and renamed to
 * the guest's name only if that name is still free (EEXIST otherwise, and nothing else is touched).
 */
class CreateRenameRaceAttackTest {
    private static final int S_IFREG = 0100000;
    private static final int S_IFCHR = 0020000;
    private static final int O_DIRECTORY = 0200000;
    private static final int GUEST_ID = 1000;

    @TempDir
    Path tmp;

    @AfterEach
    void noHook() {
        Entries.whileMaking(null);
    }

    /** The one-shot window hook: runs {@code during} once, on the worker making the entry. */
    private static final class Window {
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        volatile boolean ran;

        void arm(Step during) {
            Entries.whileMaking(() -> {
                Entries.whileMaking(null);
                ran = true;
                try {
                    during.run();
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
        }

        void check() {
            assertTrue(ran, "the hook ran inside the window");
            assertNull(failed.get(), "the concurrent request failed: " + failed.get());
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** The gateway under a policy that allows everything but SETATTR, and two sessions of its VM as uid 1000. */
    private final class Served implements AutoCloseable {
        final Path share;
        final ShareServerFactory shares;
        final Gateway gateway;
        final P9Client maker;
        final P9Client mover;

        Served(ShareSafety safety) throws Exception {
            share = Files.createDirectories(tmp.resolve("share"));
            Files.setPosixFilePermissions(share, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path socket = tmp.resolve("vm.sock");
            AuditTrail trail = entry -> 1;
            shares = new ShareServerFactory(Map.of("data", share), new NoSetattr(), trail, safety);
            gateway = Gateway.start(new GatewayConfig(
                    List.of(ListenSpec.parse("unix:" + socket)), shares, GatewayConfig.DEFAULT_MSIZE, 4));
            maker = P9Client.open(UnixDomainSocketAddress.of(socket), 65536);
            mover = P9Client.open(UnixDomainSocketAddress.of(socket), 65536);
            maker.attach(0, "u", "data", GUEST_ID);
            mover.attach(0, "u", "data", GUEST_ID);
        }

        /** A host entry the guest may rename but not chmod or chown: root's, mode 0600 (0700 for a directory). */
        Path victim(String name, boolean directory) throws Exception {
            Path p = share.resolve(name);
            if (directory) {
                Files.createDirectories(p.resolve("inner"));
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            } else {
                Files.writeString(p, "the host's");
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
            }
            mover.walk(0, 9, name);
            assertEquals(
                    Errno.EPERM,
                    assertThrows(
                                    P9Exception.class,
                                    () -> mover.setattr(
                                            9, new SetAttr(SetAttr.SETATTR_MODE, 0666, 0, 0, 0, 0, 0, 0, 0)))
                            .errno(),
                    "the policy refuses the guest's own chmod");
            mover.clunk(9);
            return p;
        }

        Set<String> hostNames() throws Exception {
            try (Stream<Path> s = Files.list(share)) {
                return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            }
        }

        @Override
        public void close() {
            mover.close();
            maker.close();
            gateway.close();
            shares.close();
        }
    }

    private static int mode(Path p) throws Exception {
        return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static int uid(Path p) throws Exception {
        return (int) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Makes {@code name} with {@code make} while the other session renames {@code victim} onto {@code name} inside
     * the window; the victim, now at {@code name}, must keep its mode and owner, and the make fail with EEXIST.
     */
    private static void raced(Served s, Path victim, String name, int victimMode, Step make) throws Exception {
        Window window = new Window();
        window.arm(() -> s.mover.renameat(0, victim.getFileName().toString(), 0, name));
        Errno answer = null;
        try {
            make.run();
        } catch (P9Exception e) {
            answer = e.errno();
        }
        window.check();
        Path now = s.share.resolve(name);
        assertEquals(victimMode, mode(now), "the entry renamed onto the name was chmodded by the gateway");
        assertEquals(0, uid(now), "the entry renamed onto the name was given to the guest");
        assertEquals(Errno.EEXIST, answer, "the name was taken before the entry got it");
        assertEquals(Set.of(name), s.hostNames(), "nothing else is left in the share");
    }

    @Test
    void aRenameOntoTheNameOfANewNodeDoesNotGiveTheRenamedFileItsModeAndOwner() throws Exception {
        try (Served s = new Served(ShareSafety.NONE)) {
            Path victim = s.victim("victim", false);
            raced(s, victim, "n", 0600, () -> s.maker.rpc(new TMessage.Tmknod(0, "n", S_IFREG | 0666, 0, 0, GUEST_ID)));
        }
    }

    @Test
    void aRenameOntoTheNameOfANewDirectoryDoesNotGiveTheRenamedDirectoryItsModeAndOwner() throws Exception {
        try (Served s = new Served(ShareSafety.NONE)) {
            Path victim = s.victim("victim", true);
            raced(s, victim, "d", 0700, () -> s.maker.mkdir(0, "d", 0777, GUEST_ID));
            assertTrue(Files.exists(s.share.resolve("d/inner")), "the renamed directory is whole");
        }
    }

    @Test
    void aRenameOntoTheNameOfANewSymlinkDoesNotGiveTheRenamedFileItsOwner() throws Exception {
        try (Served s = new Served(ShareSafety.NONE)) {
            Path victim = s.victim("victim", false);
            raced(s, victim, "l", 0600, () -> s.maker.symlink(0, "l", "anywhere", GUEST_ID));
            assertFalse(Files.isSymbolicLink(s.share.resolve("l")));
        }
    }

    @Test
    void aRenameOntoTheNameOfANewMappedDeviceDoesNotTurnTheRenamedFileIntoTheDevice() throws Exception {
        try (Served s = new Served(
                share -> new ShareSafety.Settings(true, false, "devices", true, "unmapped-id", "unmapped-owner"))) {
            Path victim = s.victim("victim", false);
            raced(s, victim, "rng", 0600, () -> s.maker.rpc(new TMessage.Tmknod(0, "rng", S_IFCHR | 0666, 10, 183, 0)));
            assertTrue(
                    HostXattrs.get(s.share.resolve("rng"), "user.p9gate.device").isEmpty(), "no mapping written");
            assertEquals("the host's", Files.readString(s.share.resolve("rng")));
        }
    }

    /**
     * While it is being made, the entry has a host name of its own that no guest request can name or list: a rename
     * onto it would bring the race back.
     */
    @Test
    void theEntryBeingMadeIsNeitherListedNorNamedByAGuest() throws Exception {
        try (Served s = new Served(ShareSafety.NONE)) {
            Path victim = s.victim("victim", false);
            Set<String> before = s.hostNames();
            AtomicReference<String> making = new AtomicReference<>();
            Window window = new Window();
            window.arm(() -> {
                Set<String> during = s.hostNames();
                during.removeAll(before);
                assertEquals(1, during.size(), "one host entry is being made: " + during);
                String name = during.iterator().next();
                making.set(name);
                assertFalse(name.equals("d"), "the entry is not under the guest's name before it is done");
                s.mover.walk(0, 7);
                s.mover.lopen(7, O_DIRECTORY);
                List<String> listed =
                        s.mover.readdir(7, 0, 8192).stream().map(DirEntry::name).toList();
                s.mover.clunk(7);
                assertFalse(listed.contains(name), "listed: " + listed);
                assertThrows(P9Exception.class, () -> s.mover.walk(0, 8, name), "walked to it");
                assertThrows(
                        P9Exception.class,
                        () -> s.mover.renameat(0, victim.getFileName().toString(), 0, name),
                        "renamed onto it");
                assertThrows(P9Exception.class, () -> s.mover.unlinkat(0, name, 0x200), "removed it");
            });
            s.maker.mkdir(0, "d", 0777, GUEST_ID);
            window.check();
            assertEquals(0777, mode(s.share.resolve("d")));
            assertEquals(GUEST_ID, uid(s.share.resolve("d")));
            assertEquals(0600, mode(victim));
            assertEquals(0, uid(victim));
            assertEquals(Set.of("victim", "d"), s.hostNames(), "the entry in the making left no other name");
            // A guest cannot make an entry with a name the gateway keeps for its own either.
            assertEquals(
                    Errno.EINVAL,
                    assertThrows(P9Exception.class, () -> s.maker.mkdir(0, making.get(), 0777, GUEST_ID))
                            .errno());
        }
    }

    /** Allows every request but SETATTR: the VM may make and rename entries, never chmod or chown one. */
    private static final class NoSetattr implements AccessPolicy {
        @Override
        public Decision decide(AccessRequest request) {
            return request.operation() == Operation.SETATTR
                    ? Decision.deny(Errno.EPERM, List.of("no-setattr"))
                    : Decision.allow(List.of("test"));
        }
    }
}
