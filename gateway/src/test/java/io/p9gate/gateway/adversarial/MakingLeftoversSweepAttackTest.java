package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (docs/filesystem.md, "entries being made"): a gateway killed (or a host that crashed) between making an
 * entry under its reserved name {@code .p9gate-making-*} and giving it the guest's name, or between linking a symlink
 * or special file into place and unlinking its reserved name (or whose unlink failed), leaves that name in the share.
 * No guest sees or removes it, yet its directory stayed not empty to the guest's rmdir (ENOTEMPTY for a directory
 * the guest lists as empty) and the made file kept a second name (nlink 2), until an administrator stopped the
 * gateway and removed them by hand. The state below is what such a stop leaves on disk (a kill -9 cannot be timed
 * into a window of one system call); the share's opening sweeps what holds nothing of a guest's and keeps, logged,
 * what may (a take-back's entry moved aside, a file with data).
 */
class MakingLeftoversSweepAttackTest {
    private static final int AT_REMOVEDIR = 0x200;
    private static final int O_DIRECTORY = 0x10000;
    private static final String HEX = "00112233445566778899aabbccddeeff";

    @TempDir
    Path tmp;

    @Test
    void aShareOpeningSweepsWhatAStoppedGatewayLeftWhileMaking() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("shares/data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path box = Files.createDirectories(data.resolve("box"));
        // A Tmkdir stopped before its rename, a Tsymlink stopped before its link: the guest's box looks empty.
        Files.createDirectory(box.resolve(".p9gate-making-" + HEX));
        Files.createSymbolicLink(box.resolve(".p9gate-making-" + HEX.replace('0', '1')), Path.of("/elsewhere"));
        // A Tmknod linked into place whose reserved name was not unlinked: a second name of the guest's file.
        Path made = Files.writeString(data.resolve("made"), "written since");
        Files.createLink(data.resolve(".p9gate-making-" + HEX.replace('0', '2')), made);
        // A mapped special file (empty, mode 0600) stopped before its link.
        Files.createFile(data.resolve(".p9gate-making-" + HEX.replace('0', '3')));
        // Never the gateway's to delete: an entry a take-back moved aside and could not give back, a file with data.
        Path aside = Files.writeString(data.resolve(".p9gate-making-aside-" + HEX), "another session's letter");
        Path full = Files.writeString(data.resolve(".p9gate-making-" + HEX.replace('0', '4')), "data");

        try (LoggedLines logged = new LoggedLines("io.p9gate.gateway.backend");
                HostShareGateway gw =
                        HostShareGateway.serving(tmp, List.of(new HostShareGateway.Share("data", data, "")));
                P9Client guest = gw.client()) {
            guest.attach(0, "root", "data", 0);
            guest.walk(0, 1, "made");
            assertEquals(1, guest.getattr(1, Attr.GETATTR_NLINK).nlink(), "the made file has its one name");
            guest.unlinkat(0, "box", AT_REMOVEDIR); // threw ENOTEMPTY: the box held the gateway's leftovers
            // What is kept stays the gateway's: no guest lists, walks to or removes it.
            guest.walk(0, 2);
            guest.lopen(2, O_DIRECTORY);
            List<String> listed =
                    guest.readdir(2, 0, 8192).stream().map(DirEntry::name).toList();
            assertFalse(listed.stream().anyMatch(n -> n.startsWith(".p9gate-making-")), "listed: " + listed);
            String keptName = aside.getFileName().toString();
            assertEquals(
                    Errno.EINVAL,
                    assertThrows(P9Exception.class, () -> guest.walk(0, 3, keptName))
                            .errno());
            assertEquals(
                    Errno.EINVAL,
                    assertThrows(P9Exception.class, () -> guest.unlinkat(0, keptName, 0))
                            .errno());

            assertFalse(Files.exists(box, LinkOption.NOFOLLOW_LINKS));
            assertEquals("written since", Files.readString(made));
            assertEquals(1, Files.getAttribute(made, "unix:nlink"));
            assertFalse(Files.exists(data.resolve(".p9gate-making-" + HEX.replace('0', '3'))));
            assertEquals("another session's letter", Files.readString(aside), "kept for the operator");
            assertEquals("data", Files.readString(full), "kept for the operator");
            List<String> lines = logged.startingWith("share 'data'");
            assertEquals(1, lines.size(), "one line for the share: " + lines);
            String line = lines.getFirst();
            assertTrue(line.contains("removed 4"), line);
            assertTrue(line.contains("kept 2"), line);
            assertTrue(line.contains(aside.getFileName().toString()), line);
            assertTrue(line.contains(full.getFileName().toString()), line);
        }
    }
}
