package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.CAN_CHOWN;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.PAYLOAD;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.mode;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.setMode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (R-CONF-1, host safety), the give-back of {@code SetIdBits.Taken}: a truncate the kernel refuses gave the
 * set-id bits taken for it back by a chmod to the mode the gateway saw before its take, whatever happened between. A
 * guest fails a truncate at will (a size past the file system's largest: EFBIG; a program the host runs: ETXTBSY), so
 * a host's {@code chmod u-s} (or 0700, or a hand-over chown) landing while a guest loops such requests was undone: the
 * host's program set-uid again, for its new owner after a chown. The seam makes the host's change inside the window.
 */
class HostSetIdGiveBackRaceAttackTest {
    private static final int O_WRONLY = 1;
    private static final int O_TRUNC = 01000;
    private static final long PAST_LARGEST_FILE = 1L << 62;
    private static final int HANDED_TO = 1234;

    @TempDir
    Path tmp;

    @AfterEach
    void removeSeam() {
        FileIo.whileWriting(null, null);
    }

    @ParameterizedTest
    @CsvSource({"setattr,u-s", "lopen,u-s", "efbig,u-s", "setattr,700", "efbig,chown"})
    void aHostChangeDuringARefusedTruncateStands(String how, String hostChange) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = gw.share("data").resolve("running");
            Files.copy(Path.of("/bin/sleep"), program, StandardCopyOption.COPY_ATTRIBUTES);
            setMode(program, 04755);
            Process running = how.equals("efbig") ? null : new ProcessBuilder(program.toString(), "60").start();
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "running");
                FileIo.whileWriting(() -> hostChanges(program, hostChange), () -> {});
                P9Exception refused = assertThrows(P9Exception.class, () -> {
                    switch (how) {
                        case "setattr" -> guest.setattr(1, size(0));
                        case "lopen" -> guest.lopen(1, O_WRONLY | O_TRUNC);
                        default -> guest.setattr(1, size(PAST_LARGEST_FILE));
                    }
                });
                FileIo.whileWriting(null, null);
                assertEquals(how.equals("efbig") ? Errno.EFBIG : Errno.ETXTBSY, refused.errno(), refused.toString());
            } finally {
                if (running != null) {
                    running.destroyForcibly().waitFor();
                }
            }
            int expected = hostChange.equals("700") ? 0700 : 0755;
            assertEquals(
                    Integer.toOctalString(expected),
                    Integer.toOctalString(mode(program)),
                    "the host's mode after its " + hostChange + " during a refused truncate");
        }
    }

    /**
     * The kept bits' give-back: the owner's root (another VM, or this one) made its set-uid program 0755 while a
     * refused truncate held its bits (the chmod removes the kept value and chmods the host). The give-back wrote the
     * value it read before back: the program was shown set-uid root again to every user of the owner's VM.
     */
    @Test
    void anOwnersChmodDuringARefusedTruncateStands() throws Exception {
        assumeTrue(CAN_CHOWN, "the kept bit is shown only for an owner the VM's map names");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "prog", "rwxr-sr-x");
            UserDefinedFileAttributeView xattrs =
                    Files.getFileAttributeView(program, UserDefinedFileAttributeView.class);
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "prog");
                guest.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 06755, 0, 0, 0, 0, 0, 0, 0)); // kept, off the host
                setMode(program, 02755); // then the host gives it set-gid
                assertEquals(06755, guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777);
                FileIo.whileWriting(
                        () -> {
                            setMode(program, 0755); // what the owner's root's Tsetattr mode 0755 does
                            removeXattr(xattrs);
                        },
                        () -> {});
                P9Exception refused = assertThrows(P9Exception.class, () -> guest.setattr(1, size(PAST_LARGEST_FILE)));
                FileIo.whileWriting(null, null);
                assertEquals(Errno.EFBIG, refused.errno(), refused.toString());
                int shown = guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals("755", Integer.toOctalString(shown), "shown after the owner's chmod 0755");
            }
            assertEquals("755", Integer.toOctalString(mode(program)));
        }
    }

    /**
     * A Twrite the kernel refuses before any byte (offset past the largest file: EFBIG) changed nothing, as for any
     * writer on Linux (generic_write_checks comes before file_remove_privs), so the set-uid bit the host gave the file
     * after the guest opened it stays; before, the gateway had taken it off the host for the write that failed. Nor
     * is it left kept: the host's later {@code chmod u-s} then stood on the host only, and the guest's VM was still
     * shown the program set-uid for its root.
     */
    @Test
    void aRefusedWriteLeavesTheHostsBits() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "open", "rwsr-xr-x");
            setMode(program, 0755); // the host makes it set-uid only after the guest's open
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "open");
                guest.lopen(1, O_WRONLY);
                setMode(program, 04755);
                P9Exception refused = assertThrows(P9Exception.class, () -> guest.write(1, PAST_LARGEST_FILE, PAYLOAD));
                assertEquals(Errno.EFBIG, refused.errno(), refused.toString());
                assertEquals("4755", Integer.toOctalString(mode(program)), "host mode after a refused write");
                if (CAN_CHOWN) { // the guest's root owns it: shown its kept bits
                    setMode(program, 0755); // the host's chmod u-s
                    int shown = guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                    assertEquals("755", Integer.toOctalString(shown), "shown after the host's chmod u-s");
                }
            }
        }
    }

    /**
     * A raw client's Tsetattr of a size and a mode in one request, the size refused (EFBIG): the mode is not applied
     * (the truncate comes first), and the set-gid program the host gave keeps its mode, on the host and as shown; a
     * Tlcreate with O_TRUNC of it then (an open for writing: its bits leave the host before the truncate) keeps
     * set-gid for the guest's root alone, as Linux's root keeps it.
     */
    @ParameterizedTest
    @CsvSource({"0,2777", "1000,777"})
    void aRefusedSizeWithAModeChangesNothingAndATruncatingCreateKeepsSetGidForRootAlone(int guestUid, String shownAfter)
            throws Exception {
        assumeTrue(CAN_CHOWN, "the kept bit is shown only for an owner the VM's map names");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "prog", "rwxr-sr-x");
            setMode(program, 02777); // any guest user may write it
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "prog");
                SetAttr sizeAndMode = new SetAttr(
                        SetAttr.SETATTR_SIZE | SetAttr.SETATTR_MODE, 0700, 0, 0, PAST_LARGEST_FILE, 0, 0, 0, 0);
                P9Exception refused = assertThrows(P9Exception.class, () -> guest.setattr(1, sizeAndMode));
                assertEquals(Errno.EFBIG, refused.errno(), refused.toString());
                assertEquals("2777", Integer.toOctalString(mode(program)), "host mode after the refused request");
                assertEquals(02777, guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777);

                guest.walk(0, 2);
                guest.lcreate(2, "prog", O_WRONLY | O_TRUNC, 0644, 0); // no O_EXCL: the existing file
                assertEquals(0, Files.size(program));
                assertEquals("777", Integer.toOctalString(mode(program)), "host mode after the truncating create");
                int shown = guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals(shownAfter, Integer.toOctalString(shown), "shown after it");
            }
        }
    }

    private static SetAttr size(long size) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, size, 0, 0, 0, 0);
    }

    private static void hostChanges(Path program, String change) {
        switch (change) {
            case "u-s" -> setMode(program, mode(program) & ~04000);
            case "700" -> setMode(program, 0700);
            default -> {
                try {
                    Files.setAttribute(program, "unix:uid", HANDED_TO);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static void removeXattr(UserDefinedFileAttributeView xattrs) {
        try {
            xattrs.delete("p9gate.setid");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
