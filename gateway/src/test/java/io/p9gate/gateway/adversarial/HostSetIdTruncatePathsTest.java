package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.CAN_CHOWN;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three truncates of a host set-id program (a Tsetattr's size, a Tlopen and a Tlcreate of the existing file with
 * O_TRUNC) leave the guest the same mode, as Linux's do_truncate treats truncate(2) and open(O_TRUNC) alike
 * (dentry_needs_remove_privs: cleared for a truncater without CAP_FSETID, kept for one with it; checked with setpriv
 * on the host's kernel). Where the gateway itself lacks CAP_FSETID (the packaged unit) the Tlopen took nothing
 * before its open (SetIdBits.writing), so the guest's root lost the host's bits there and kept them at the other two.
 * Run it under {@code setpriv --inh-caps=-fsetid --bounding-set=-fsetid} to reach that case; as root it holds too.
 */
class HostSetIdTruncatePathsTest {
    private static final int O_WRONLY = 1;
    private static final int O_TRUNC = 01000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"setattr,0", "lopen,0", "lcreate,0", "setattr,1000", "lopen,1000", "lcreate,1000"})
    void everyTruncateOfAHostSetIdProgramShowsTheGuestTheSameMode(String how, int guestUid) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            // Set-uid alone: a chmod g+s by a root without CAP_FSETID outside the group is cleared (the setpriv run).
            Path program = hostProgram(gw.share("data"), "program", "rwsr-xr-x");
            try (P9Client guest = gw.attached("data", guestUid)) {
                guest.walk(0, 1, "program");
                truncate(guest, how, "program", 0);
                int shown = guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                // The VM's root keeps them over a file its map names (as Linux's root); another user clears them.
                assertEquals(
                        guestUid == 0 && CAN_CHOWN ? 04755 : 0755, shown, how + ": " + Integer.toOctalString(shown));
            }
            assertEquals(0L, Files.size(program));
            int onHost = (int) Files.getAttribute(program, "unix:mode") & 07777;
            assertEquals(0755, onHost, how + " on the host: " + Integer.toOctalString(onHost));
        }
    }

    /**
     * Truncates {@code name}, walked from the root to fid 1, to {@code size} as {@code how} says: a Tsetattr of fid 1
     * (the size, on the fid as walked), a Tlopen of fid 1 with O_TRUNC, or a Tlcreate of the existing name (fid 2,
     * no O_EXCL) with O_TRUNC; the last two truncate to 0 whatever the size.
     */
    static void truncate(P9Client guest, String how, String name, long size) throws Exception {
        switch (how) {
            case "setattr" -> guest.setattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, size, 0, 0, 0, 0));
            case "lopen" -> guest.lopen(1, O_WRONLY | O_TRUNC);
            default -> {
                guest.walk(0, 2);
                guest.lcreate(2, name, O_WRONLY | O_TRUNC, 0644, 0);
            }
        }
    }
}
