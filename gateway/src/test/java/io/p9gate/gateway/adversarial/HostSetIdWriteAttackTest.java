package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red team (R-CONF-1, host safety): a set-uid or set-gid program the host put in a share (an unpacked root
 * filesystem: {@code /usr/bin/passwd}, 04755 root) kept its bits on the host when a guest rewrote it. The kernel
 * clears them on a write or truncate by a process without CAP_FSETID, but the gateway runs as root and has it, so
 * the host was left with a set-uid program of the guest's making: any host user who could reach it ran the
 * guest's code as its owner. A guest's write, truncate or truncating open of such a file now clears the host
 * inode's set-id bits, whichever guest user asks (a guest's root is not the host's); the guest still sees what
 * Linux would show it.
 */
class HostSetIdWriteAttackTest {
    private static final int O_WRONLY = 1;
    /** The VM's root on the host (HostShareGateway's map); the test gives the host programs this owner if it may. */
    private static final int GUEST_ROOT_ON_HOST = 100000;

    static final boolean CAN_CHOWN = "root".equals(System.getProperty("user.name"));
    private static final int O_TRUNC = 01000;
    static final byte[] PAYLOAD = "#!/bin/sh\nexec /bin/sh -p\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aGuestsChangeOfAHostSetIdProgramClearsItsBitsOnTheHost(int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Path written = hostProgram(share, "written", "rwsr-sr-x");
            Path truncated = hostProgram(share, "truncated", "rwsr-xr-x");
            Path opened = hostProgram(share, "opened", "rwxr-sr-x");
            Path recreated = hostProgram(share, "recreated", "rwsr-xr-x");
            boolean ownedByGuestRoot = CAN_CHOWN;
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "written");
                guest.lopen(1, O_WRONLY);
                assertEquals(PAYLOAD.length, guest.write(1, 0, PAYLOAD));

                guest.walk(0, 2, "truncated");
                guest.setattr(2, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 1, 0, 0, 0, 0));

                guest.walk(0, 3, "opened");
                guest.lopen(3, O_WRONLY | O_TRUNC);

                guest.walk(0, 4);
                guest.lcreate(4, "recreated", O_WRONLY, 0644, 0); // no O_EXCL: opens the existing program
                assertEquals(PAYLOAD.length, guest.write(4, 0, PAYLOAD)); // the open alone changes no mode

                // The guest sees what Linux shows: its root's write keeps the bits, another user's clears them.
                // A program of an owner outside the VM's map (the host's root when the test cannot chown) shows
                // none to begin with (its owner is the overflow id).
                int shown = guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals(guestUid == 0 && ownedByGuestRoot ? 06755 : 0755, shown, Integer.toOctalString(shown));
                // Its root's truncating open too (the open truncates without CAP_FSETID: the bits are kept before it).
                int shownOpened = guest.getattr(3, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals(
                        guestUid == 0 && ownedByGuestRoot ? 02755 : 0755,
                        shownOpened,
                        Integer.toOctalString(shownOpened));
            }
            for (Path p : new Path[] {written, truncated, opened, recreated}) {
                int mode = (int) Files.getAttribute(p, "unix:mode");
                assertEquals(
                        0755,
                        mode & 07777,
                        p.getFileName() + " changed by guest uid " + guestUid + ": " + Integer.toOctalString(mode));
            }
            assertTrue(Files.readString(written).startsWith("#!/bin/sh"));
        }
    }

    /**
     * The host makes a file set-uid while a guest holds it open for writing (after the open took any bits it had):
     * each later write of the guest must clear them, as the kernel's write does for a writer without CAP_FSETID; the
     * gateway as root has it, and the host kept a set-uid program with the guest's code. Twice: a host chmod after the
     * guest's first write is cleared by its next one as well.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void aHostsSetIdBitOnAFileAGuestHoldsOpenForWritingGoesAtTheGuestsNextWrite(int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "open", "rwsr-xr-x");
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "open");
                guest.lopen(1, O_WRONLY);
                for (int round = 1; round <= 2; round++) {
                    Files.setAttribute(program, "unix:mode", 04755);
                    assertEquals(PAYLOAD.length, guest.write(1, 0, PAYLOAD));
                    int mode = (int) Files.getAttribute(program, "unix:mode") & 07777;
                    assertEquals(0755, mode, "after write " + round + ": " + Integer.toOctalString(mode));
                }
            }
        }
    }

    static Path hostProgram(Path share, String name, String perms) throws Exception {
        Path p = share.resolve(name);
        Files.write(p, "\177ELF host program".getBytes(StandardCharsets.US_ASCII));
        int mode = switch (perms) {
            case "rwsr-sr-x" -> 06755;
            case "rwsr-xr-x" -> 04755;
            default -> 02755;
        };
        if (CAN_CHOWN) { // before the mode: a chown clears set-id bits
            Files.setAttribute(p, "unix:uid", GUEST_ROOT_ON_HOST);
            Files.setAttribute(p, "unix:gid", GUEST_ROOT_ON_HOST);
        }
        HostChmod.chmod(p, mode);
        assertEquals(mode, (int) Files.getAttribute(p, "unix:mode") & 07777);
        return p;
    }
}
