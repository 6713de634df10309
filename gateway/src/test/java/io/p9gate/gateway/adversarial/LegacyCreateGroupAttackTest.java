package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 9P2000.u or 9P2000 Tcreate names no group (create(5): the new file takes its directory's). In a share with
 * {@code permissions: enforce} the gateway acts on the host as the request's guest user and group; a legacy create
 * acted as the directory's group, so a guest user outside that group created files in a directory only the group
 * may write to (mode 0775), which the same user's Tlcreate, acting as its own group, is refused (EACCES).
 */
class LegacyCreateGroupAttackTest {
    private static final int USER = 1000;
    private static final int STAFF = 2000;
    private static final int OWRITE = 1;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "host directories of another group need a root test run");
    }

    /** {@code data/NAME}, owned by host {@code uid}:{@code gid}, mode {@code perms}. */
    private static Path directory(Path data, String name, int uid, int gid, String perms) throws Exception {
        Path dir = Files.createDirectory(data.resolve(name));
        Files.setAttribute(dir, "unix:uid", uid);
        Files.setAttribute(dir, "unix:gid", gid);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
        return dir;
    }

    private static int hostId(int guest) {
        return HostShareGateway.HOST_ID_BASE + guest;
    }

    /**
     * A raw client that negotiated {@code dialect} and attached fid 0 to "data": in .u as guest {@link #USER}; a
     * 9P2000 Tattach names no uid, so it acts as guest 65534, also outside the group.
     */
    private static P9Client attached(HostShareGateway gw, Dialect dialect) throws Exception {
        P9Client client = gw.client();
        try {
            client.version(65536, dialect.version());
            if (dialect == Dialect.U) {
                client.attach(0, "user", "data", USER);
            } else {
                assertInstanceOf(
                        RMessage.Rattach.class,
                        client.await(client.sendRaw(1, LegacyDialectBudgetAttackTest.tattach(1, dialect))));
            }
            return client;
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    @Test
    void aLegacyCreateDoesNotActAsTheDirectorysGroup() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client dotL = gw.attached("data", USER)) {
            Path team = directory(gw.share("data"), "team", hostId(0), hostId(STAFF), "rwxrwxr-x");
            dotL.walk(0, 1, "team");
            assertEquals(
                    Errno.EACCES,
                    assertThrows(P9Exception.class, () -> dotL.lcreate(1, "l", O_RDWR, 0644, USER))
                            .errno(),
                    "9P2000.L: not in the group that may write there");
            for (Dialect dialect : new Dialect[] {Dialect.U, Dialect.LEGACY}) {
                try (P9Client legacy = attached(gw, dialect)) {
                    legacy.walk(0, 1, "team");
                    assertEquals(
                            Errno.EACCES,
                            refused(legacy, new TMessage.Tcreate(1, "f", 0644, OWRITE, extension(dialect))),
                            dialect.version());
                    assertEquals(
                            Errno.EACCES,
                            refused(legacy, new TMessage.Tcreate(1, "d", Stat.DMDIR | 0755, 0, extension(dialect))),
                            dialect.version());
                }
            }
            try (var names = Files.list(team)) {
                assertEquals(0, names.count(), "nothing made in the group's directory");
            }
        }
    }

    /**
     * In a directory the guest user may write to, a legacy create works and its file belongs to the user and the
     * request's group (guest 65534, what a request naming no group acts as), as the host made it; in a set-gid
     * directory, the directory's group, as the host gives it there.
     */
    @Test
    void aLegacyCreateInTheUsersOwnDirectoryIsTheUsers() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client legacy = attached(gw, Dialect.U)) {
            Path home = directory(gw.share("data"), "home", hostId(USER), hostId(STAFF), "rwxr-xr-x");
            legacy.walk(0, 1, "home");
            assertTrue(
                    legacy.rpc(new TMessage.Tcreate(1, "f", 0644, OWRITE, extension(Dialect.U)))
                            instanceof RMessage.Rcreate);
            Path made = home.resolve("f");
            assertEquals(hostId(USER), Files.getAttribute(made, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(hostId(65534), Files.getAttribute(made, "unix:gid", LinkOption.NOFOLLOW_LINKS));

            Path shared = directory(gw.share("data"), "shared", hostId(USER), hostId(STAFF), "rwxr-xr-x");
            Files.setAttribute(shared, "unix:mode", 02755);
            legacy.walk(0, 2, "shared");
            legacy.rpc(new TMessage.Tcreate(2, "f", 0644, OWRITE, extension(Dialect.U)));
            assertEquals(
                    hostId(STAFF),
                    Files.getAttribute(shared.resolve("f"), "unix:gid", LinkOption.NOFOLLOW_LINKS),
                    "a set-gid directory's group");
        }
    }

    /**
     * Linux's mkdir in a set-gid directory makes a set-gid directory (its subdirectories keep the group), and a .L
     * Tmkdir keeps it (the Linux client asks S_ISGID there). A .u Tcreate of a directory must give the same.
     */
    @Test
    void aLegacyDirectoryCreateInASetGidDirectoryIsSetGidAsATmkdirIs() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client legacy = attached(gw, Dialect.U);
                P9Client dotL = gw.attached("data", USER)) {
            Path shared = directory(gw.share("data"), "shared", hostId(USER), hostId(STAFF), "rwxrwxr-x");
            Files.setAttribute(shared, "unix:mode", 02775);
            legacy.walk(0, 1, "shared");
            legacy.rpc(new TMessage.Tcreate(1, "u", Stat.DMDIR | 0755, 0, extension(Dialect.U)));
            dotL.walk(0, 1, "shared");
            dotL.mkdir(1, "l", 02755, STAFF);
            for (String name : new String[] {"l", "u"}) {
                dotL.walk(0, 2, "shared", name);
                assertEquals(02755, dotL.getattr(2, 0x7ffL).mode() & 07777, name + " as the guest sees it");
                dotL.clunk(2);
            }
        }
    }

    /** A .u Tcreate carries an extension (empty for a file or directory); a 9P2000 one has none. */
    private static Optional<String> extension(Dialect dialect) {
        return dialect == Dialect.U ? Optional.of("") : Optional.empty();
    }

    private static Errno refused(P9Client guest, TMessage request) {
        return assertThrows(P9Exception.class, () -> guest.rpc(request), request.toString())
                .errno();
    }
}
