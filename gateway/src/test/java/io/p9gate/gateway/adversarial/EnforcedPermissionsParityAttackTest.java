package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code permissions: enforce}, from a raw client (the Linux client checks modes itself first, so only a raw client
 * shows what the server holds): guest user 1000 (host 101000, no supplementary groups, gid 65534 as every request
 * naming none) asks what the host refuses its mapped user, against files of guest user 2000 (host 102000). Each
 * answer is compared with the same system call run on a twin tree by {@code setpriv} as host 101000:165534 with no
 * groups, the errno (0: done) and what it left (the listing, the target's mode, owner and times) alike.
 */
class EnforcedPermissionsParityAttackTest {
    private static final int GUEST = 1000;
    private static final int OTHER = 2000;
    private static final int NOBODY = 65534;
    private static final int HOST_GUEST = HostShareGateway.HOST_ID_BASE + GUEST;
    private static final int HOST_OTHER = HostShareGateway.HOST_ID_BASE + OTHER;
    private static final int HOST_NOBODY = HostShareGateway.HOST_ID_BASE + NOBODY;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int ROOT = 0;
    private static final int CASE = 1;
    private static final int AT = 2;
    private static final int TARGET = 3;

    @TempDir
    Path tmp;

    @BeforeEach
    void rootWithSetpriv() {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "files of other host users need a root test run");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) runs the twin call");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "the twin call is Python, for every user");
    }

    /** The twin tree of one case, made as root in {@code dir}: d/ and f of 102000, s/ sticky, w/ open to all. */
    private static void tree(Path dir) throws Exception {
        Files.createDirectories(dir);
        mode(dir, "rwxr-xr-x");
        own(Files.createDirectory(dir.resolve("d")), HOST_OTHER, "rwxr-xr-x");
        own(Files.writeString(dir.resolve("f"), "other's"), HOST_OTHER, "rw-r--r--");
        own(Files.writeString(dir.resolve("p"), "private"), HOST_OTHER, "rw-------");
        own(Files.writeString(dir.resolve("m"), "mine"), HOST_GUEST, "rw-r--r--");
        Path sticky = own(Files.createDirectory(dir.resolve("s")), 0, "rwxrwxrwx");
        chmod(sticky, "1777");
        own(Files.writeString(sticky.resolve("v"), "victim"), HOST_OTHER, "rw-rw-rw-");
        own(Files.createDirectory(dir.resolve("w")), 0, "rwxrwxrwx");
        Path g = own(Files.createDirectory(dir.resolve("g")), HOST_OTHER, "rwxrwxrwx");
        // Set-gid: the NIO views leave the bit alone.
        assertEquals(
                0, new ProcessBuilder("chmod", "2777", g.toString()).start().waitFor());
    }

    /** Sticky and set-gid bits, which the NIO views do not take. */
    private static void chmod(Path path, String octal) throws Exception {
        assertEquals(
                0, new ProcessBuilder("chmod", octal, path.toString()).start().waitFor());
    }

    private static Path own(Path path, int id, String mode) throws Exception {
        Files.setAttribute(path, "unix:uid", id);
        Files.setAttribute(path, "unix:gid", id);
        return mode(path, mode);
    }

    private static Path mode(Path path, String mode) throws Exception {
        return Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    /** One attempt: what the raw guest sends (fid 1 is the case's directory), the twin's Python, what to compare. */
    record Case(String name, Request guest, String python, String looked) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Request {
        void send(P9Client c) throws Exception;
    }

    private static SetAttr set(int valid, int mode, int uid, long size, long seconds) {
        return new SetAttr(valid, mode, uid, 0, size, seconds, 0, seconds, 0);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("read a 0600 file of another", c -> open(c, "p", O_RDONLY), "os.open('p', os.O_RDONLY)", "p"),
                new Case(
                        "create in a 0755 directory of another",
                        c -> create(c, "d", 0644),
                        "os.open('d/x', os.O_CREAT | os.O_RDWR, 0o644)",
                        "d"),
                new Case(
                        "mkdir in a 0755 directory of another",
                        c -> c.mkdir(walked(c, "d"), "x", 0755, NOBODY),
                        "os.mkdir('d/x', 0o755)",
                        "d"),
                new Case(
                        "unlink another's file in a sticky directory",
                        c -> c.unlinkat(walked(c, "s"), "v", 0),
                        "os.unlink('s/v')",
                        "s"),
                new Case(
                        "rename another's file in a sticky directory",
                        c -> c.renameat(walked(c, "s"), "v", AT, "moved"),
                        "os.rename('s/v', 's/moved')",
                        "s"),
                new Case(
                        "chmod another's file",
                        c -> c.setattr(target(c, "f"), set(SetAttr.SETATTR_MODE, 0666, 0, 0, 0)),
                        "os.chmod('f', 0o666)",
                        "f"),
                new Case(
                        "chown another's file to oneself",
                        c -> c.setattr(target(c, "f"), set(SetAttr.SETATTR_UID, 0, GUEST, 0, 0)),
                        "os.chown('f', " + HOST_GUEST + ", -1)",
                        "f"),
                new Case(
                        "chown one's file to another",
                        c -> c.setattr(target(c, "m"), set(SetAttr.SETATTR_UID, 0, OTHER, 0, 0)),
                        "os.chown('m', " + HOST_OTHER + ", -1)",
                        "m"),
                new Case(
                        "set another's file's times",
                        c -> c.setattr(
                                target(c, "f"),
                                set(
                                        SetAttr.SETATTR_ATIME
                                                | SetAttr.SETATTR_ATIME_SET
                                                | SetAttr.SETATTR_MTIME
                                                | SetAttr.SETATTR_MTIME_SET,
                                        0,
                                        0,
                                        0,
                                        1_000_000)),
                        "os.utime('f', (1000000, 1000000))",
                        "f"),
                new Case(
                        "touch another's 0644 file (times to now)",
                        c -> c.setattr(target(c, "f"), set(SetAttr.SETATTR_ATIME | SetAttr.SETATTR_MTIME, 0, 0, 0, 0)),
                        "os.utime('f')",
                        "f"),
                new Case(
                        "truncate another's 0644 file",
                        c -> c.setattr(target(c, "f"), set(SetAttr.SETATTR_SIZE, 0, 0, 0, 0)),
                        "os.truncate('f', 0)",
                        "f"),
                new Case(
                        "set a user. xattr on another's 0644 file",
                        c -> setUserX(c, "f"),
                        "os.setxattr('f', 'user.x', b'1')",
                        "f"),
                new Case(
                        "set a user. xattr on another's file in a sticky directory",
                        c -> setUserX(c, "s", "v"),
                        "os.setxattr('s/v', 'user.x', b'1')",
                        "s/v"),
                new Case(
                        "hard-link another's 0600 file (protected_hardlinks)",
                        c -> c.link(walked(c, "w"), target(c, "p"), "h"),
                        "os.link('p', 'w/h')",
                        "w"),
                new Case(
                        "create a set-gid file in a set-gid directory of another group",
                        c -> create(c, "g", 02755),
                        "os.open('g/x', os.O_CREAT | os.O_RDWR, 0o2755)",
                        // Its group is the one the request names (its own), which the user may give its file.
                        "g"));
    }

    private static void create(P9Client c, String dir, int mode) throws Exception {
        c.walk(CASE, AT, dir);
        c.lcreate(AT, "x", O_RDWR, mode, NOBODY);
    }

    /** user.x = "1" on the file at {@code names}, committed by the clunk as the Linux client's setxattr does. */
    private static void setUserX(P9Client c, String... names) throws Exception {
        c.walk(CASE, TARGET, names);
        c.rpc(new TMessage.Txattrcreate(TARGET, "user.x", 1, 0));
        c.write(TARGET, 0, new byte[] {'1'});
        c.clunk(TARGET);
    }

    private static void open(P9Client c, String name, int flags) throws Exception {
        target(c, name);
        c.lopen(TARGET, flags);
    }

    private static int walked(P9Client c, String name) throws Exception {
        c.walk(CASE, AT, name);
        return AT;
    }

    private static int target(P9Client c, String name) throws Exception {
        c.walk(CASE, TARGET, name);
        return TARGET;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedAsTheHostRefusesTheMappedUser(Case c) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data")) {
            mode(tmp, "rwx--x--x");
            Path served = gw.share("data").resolve("case");
            Path twin = tmp.resolve("twin");
            tree(served);
            tree(twin);

            java.nio.file.attribute.FileTime twinBefore = mtime(twin, c.looked());
            java.nio.file.attribute.FileTime servedBefore = mtime(served, c.looked());
            int local = twinCall(twin, c.python());
            int guest;
            try (P9Client client = gw.attached("data", GUEST)) {
                client.walk(ROOT, CASE, "case");
                c.guest().send(client);
                guest = 0;
            } catch (P9Exception e) {
                guest = e.errno().code();
            }
            assertEquals(local, guest, c.name() + ": errno through the gateway, as the host refuses the mapped user");
            assertEquals(
                    state(twin, c.looked()) + " mtime changed "
                            + !mtime(twin, c.looked()).equals(twinBefore),
                    state(served, c.looked()) + " mtime changed "
                            + !mtime(served, c.looked()).equals(servedBefore),
                    c.name() + ": what it left");
        }
    }

    private static java.nio.file.attribute.FileTime mtime(Path dir, String looked) throws Exception {
        return Files.getLastModifiedTime(dir.resolve(looked), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** The entry's names (a directory), mode, owner, group, size and user. xattr names (a file). */
    private static String state(Path dir, String looked) throws Exception {
        Path p = dir.resolve(looked);
        var a = Files.readAttributes(p, "unix:mode,uid,gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        String names = "";
        if (Files.isDirectory(p)) {
            try (Stream<Path> list = Files.list(p)) {
                names = list.map(e -> e.getFileName().toString())
                        .sorted()
                        .toList()
                        .toString();
            }
        }
        String xattr = "";
        if (Files.isRegularFile(p)) {
            var view = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class);
            xattr = view.list().toString() + " size=" + Files.size(p);
        }
        return "mode=" + Integer.toOctalString((Integer) a.get("mode")) + " uid=" + a.get("uid") + " gid="
                + a.get("gid") + " " + names + " " + xattr;
    }

    /** The errno of {@code python} (0: none) run in {@code dir} as host 101000:165534 without groups, umask 0. */
    private static int twinCall(Path dir, String python) throws Exception {
        String script = "import os, sys\nos.umask(0)\ntry:\n    " + python
                + "\n    print(0)\nexcept OSError as e:\n    print(e.errno)\n";
        Process p = new ProcessBuilder(List.of(
                        "/usr/bin/setpriv",
                        "--reuid=" + HOST_GUEST,
                        "--regid=" + HOST_NOBODY,
                        "--clear-groups",
                        "/usr/bin/python3",
                        "-c",
                        script))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(30, TimeUnit.SECONDS);
        return Integer.parseInt(out);
    }
}
