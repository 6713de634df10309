package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.CAN_CHOWN;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.PAYLOAD;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static io.p9gate.gateway.adversarial.HostSetIdWriteRaceAttackTest.setMode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.KeptSetIdLocks;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (R-CONF-1), the give-back of a refused truncate's kept set-id value: where the value already held bits and
 * the host inode had some at the take, the give-back read the value, found what it stored and wrote the old one back,
 * with no lock. The owner's root's chmod 0755 (which removes the value) or a non-root write (which clears it) landing
 * between its compare and its write was undone: the program was shown set-uid root again to every user of the owner's
 * VM, for good. The seam lands the other request there; under the value's lock it waits, then stands.
 */
class KeptSetIdGiveBackRaceAttackTest {
    private static final int O_RDWR = 2;
    private static final long PAST_LARGEST_FILE = 1L << 62;

    @TempDir
    Path tmp;

    @AfterEach
    void removeSeam() {
        KeptSetIdLocks.beforeGivingBack(null);
    }

    @ParameterizedTest
    @CsvSource({"chmod,0,755", "write,1000,777", "chown,0,755"})
    void aChangeDuringTheGiveBackStands(String change, int otherUid, String shownAfter) throws Exception {
        assumeTrue(CAN_CHOWN, "the kept bits are shown only for an owner the VM's map names");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path program = hostProgram(gw.share("data"), "prog", "rwxr-sr-x");
            int mode = change.equals("write") ? 06777 : 06755;
            try (P9Client guest = gw.attached("data", 0);
                    P9Client other = gw.attached("data", otherUid)) {
                guest.walk(0, 1, "prog");
                guest.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, mode, 0, 0, 0, 0, 0, 0, 0)); // kept, off the host
                setMode(program, mode & ~04000); // then the host gives it set-gid: both kept and on the host
                assertEquals(mode, guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777);
                other.walk(0, 1, "prog");
                if (change.equals("write")) {
                    other.lopen(1, O_RDWR);
                }
                AtomicReference<CompletableFuture<Void>> sent = new AtomicReference<>();
                KeptSetIdLocks.beforeGivingBack(() -> landed(sent.updateAndGet(was -> CompletableFuture.runAsync(() -> {
                    try {
                        if (change.equals("chmod")) {
                            other.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0755, 0, 0, 0, 0, 0, 0, 0));
                        } else if (change.equals("chown")) { // as chown(2), clears set-uid, set-gid with g+x
                            other.setattr(1, new SetAttr(SetAttr.SETATTR_UID, 0, 1001, -1, 0, 0, 0, 0, 0));
                        } else {
                            other.write(1, 0, PAYLOAD);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }))));
                P9Exception refused = assertThrows(
                        P9Exception.class,
                        () -> guest.setattr(
                                1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, PAST_LARGEST_FILE, 0, 0, 0, 0)));
                KeptSetIdLocks.beforeGivingBack(null);
                assertEquals(Errno.EFBIG, refused.errno(), refused.toString());
                assertTrue(sent.get() != null, "the seam ran: the give-back found the value it stored");
                sent.get().get(10, TimeUnit.SECONDS); // the other request's reply came
                int shown = guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals(shownAfter, Integer.toOctalString(shown), "shown after the other's " + change);
            }
        }
    }

    /** Waits until {@code other} is done or waits for the kept value's lock (the seam's request holds it). */
    private static void landed(CompletableFuture<Void> other) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!other.isDone() && !KeptSetIdLocks.awaited() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }
}
