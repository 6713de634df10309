package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-DEP-1 under the production profile: a VM's Unix socket with {@code socket: {mode: "0666"}} and no {@code peer:}
 * lets every host user connect(2), and whoever connects is the VM. The profile started such a policy; now it is
 * refused, one line and exit 2. A {@code peer:} (SO_PEERCRED) tells the hypervisor from the others again.
 */
class ProductionSocketAnyUserAttackTest {
    @TempDir
    Path dir;

    /** The acceptable configuration, its VM's listener given {@code socketKeys}; serve run on it. */
    private static CliRun serveWithSocket(AcceptableProduction setup, String socketKeys) throws Exception {
        AcceptableProduction.writePrivate(
                setup.policy,
                Files.readString(setup.policy).replace("    shares:", "    " + socketKeys + "\n    shares:"));
        return AcceptableProduction.serve(setup.options());
    }

    @Test
    void aSocketEveryUserMayConnectToWithoutAPeerIsRefused() throws Exception {
        AcceptableProduction setup = AcceptableProduction.in(dir);
        setup.assertRefused(
                serveWithSocket(setup, "socket: {mode: \"0666\"}"),
                "VM 'v' socket unix:" + setup.notSocket + " has mode 0666 and no peer: (any host user may connect");
    }

    /**
     * A socket directory any user may write (no sticky bit): they unlink the socket and bind theirs at its path, and
     * the VM's hypervisor connects to them. A warning in development; refused in production.
     */
    @Test
    void aSocketInADirectoryOthersMayWriteIsRefused() throws Exception {
        AcceptableProduction setup = AcceptableProduction.in(dir);
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createFile(open.resolve("vm.sock")); // as in the setup: a start let through ends at the bind
        AcceptableProduction.writePrivate(
                setup.policy,
                Files.readString(setup.policy)
                        .replace(
                                setup.notSocket.toString(),
                                open.resolve("vm.sock").toString()));
        setup.assertRefused(
                AcceptableProduction.serve(setup.options()),
                "VM 'v' socket unix:" + open.resolve("vm.sock") + " can be replaced by another host user (directory "
                        + open + ": mode rwxrwxrwx lets its group or others write it, without the sticky bit");
    }

    /**
     * A socket directory that is a symbolic link into a directory others may write: the link itself is safe (its own
     * directory is), but where it leads they rename the socket's real directory away and put one of theirs, with their
     * own socket, where the VM's hypervisor connects. Only the path as written was checked, and the start went on.
     */
    @Test
    void aSocketDirectoryLinkedIntoADirectoryOthersMayWriteIsRefused() throws Exception {
        AcceptableProduction setup = AcceptableProduction.in(dir);
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path real = Files.createDirectory(open.resolve("sockets"));
        Files.createFile(real.resolve("vm.sock")); // as in the setup: a start let through ends at the bind
        Path link = Files.createSymbolicLink(dir.resolve("linked"), real);
        AcceptableProduction.writePrivate(
                setup.policy,
                Files.readString(setup.policy)
                        .replace(
                                setup.notSocket.toString(),
                                link.resolve("vm.sock").toString()));
        setup.assertRefused(
                AcceptableProduction.serve(setup.options()),
                "VM 'v' socket unix:" + link.resolve("vm.sock") + " can be replaced by another host user (directory "
                        + open + ": mode rwxrwxrwx lets its group or others write it, without the sticky bit");
    }

    /**
     * The same, written with a ".." after the link ({@code linked/../vm.sock}): the kernel resolves the link first, so
     * the socket is bound in the directory above the link's target, inside the one others may write; the check
     * normalized the path by its words first ({@code DIR/vm.sock}), so it looked at a directory the bind never used.
     */
    @Test
    void aSocketPathWithDotDotAfterALinkIsCheckedWhereTheKernelPutsIt() throws Exception {
        AcceptableProduction setup = AcceptableProduction.in(dir);
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path real = Files.createDirectory(open.resolve("sockets"));
        Files.createFile(real.resolve("vm.sock")); // as in the setup: a start let through ends at the bind
        Path link = Files.createSymbolicLink(dir.resolve("linked"), Files.createDirectory(real.resolve("inner")));
        AcceptableProduction.writePrivate(
                setup.policy, Files.readString(setup.policy).replace(setup.notSocket.toString(), link + "/../vm.sock"));
        setup.assertRefused(
                AcceptableProduction.serve(setup.options()),
                "can be replaced by another host user (directory " + open
                        + ": mode rwxrwxrwx lets its group or others write it, without the sticky bit");
    }

    /**
     * A socket directory reached through a chain of links ({@code chain} to {@code open/middle} to {@code sockets}),
     * the middle one in a directory others may write: they point it at a directory of theirs, with their own socket
     * where the VM's hypervisor connects. The first link's directory and the socket's real one are safe; the middle
     * link's was checked by nobody, and the start went on.
     */
    @Test
    void aSocketDirectoryReachedThroughALinkInADirectoryOthersMayWriteIsRefused() throws Exception {
        AcceptableProduction setup = AcceptableProduction.in(dir);
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path real = Files.createDirectory(dir.resolve("sockets"));
        Files.createFile(real.resolve("vm.sock")); // as in the setup: a start let through ends at the bind
        Path middle = Files.createSymbolicLink(open.resolve("middle"), real);
        Path chain = Files.createSymbolicLink(dir.resolve("chain"), middle);
        AcceptableProduction.writePrivate(
                setup.policy,
                Files.readString(setup.policy)
                        .replace(
                                setup.notSocket.toString(),
                                chain.resolve("vm.sock").toString()));
        setup.assertRefused(
                AcceptableProduction.serve(setup.options()),
                "VM 'v' socket unix:" + chain.resolve("vm.sock") + " can be replaced by another host user (directory "
                        + open + ": mode rwxrwxrwx lets its group or others write it, without the sticky bit");
    }

    @Test
    void withAPeerTheSameSocketIsAccepted() throws Exception {
        CliRun run = serveWithSocket(AcceptableProduction.in(dir), "socket: {mode: \"0666\"}\n    peer: {uid: \"0\"}");
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertTrue(run.err().contains("not a socket"), "the start went on to bind: " + run.err());
    }
}
