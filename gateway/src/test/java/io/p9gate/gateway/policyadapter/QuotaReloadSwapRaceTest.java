package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.quota.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload's swap while the VM writes to an unlinked file it holds open: the swap counts the file's kept size into
 * the new book, and the write, settling after it, then made its growth part of what the file gives back as its last
 * handle closes, growth the new book never had: the live count below a restart's scan by what that write added.
 */
class QuotaReloadSwapRaceTest {
    private static final int O_RDWR_CREAT = 02 | 0100;
    private static final int KEPT = 4096;
    private static final int WRITTEN = 64 * 1024;
    /** Only bounds how long a broken build takes to fail; nothing is asserted about time. */
    private static final long FAILURE_BOUND_SECONDS = 60;

    @TempDir
    Path tmp;

    @RegisterExtension
    final AlphaQuotaSession alpha = new AlphaQuotaSession();

    QuotaPolicyRig rig;
    TestSession s;

    @BeforeEach
    void setUp() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(data.resolve("a"));
        Files.write(data.resolve("a/other"), new byte[3000]);
        alpha.open(tmp, data, "a");
        rig = alpha.rig;
        s = alpha.s;
    }

    @Test
    void aWriteToAnUnlinkedFileInFlightAtTheSwapGivesBackOnlyWhatTheNewBookCounted() throws Exception {
        s.walk(1, 2);
        s.lcreate(2, "gone", O_RDWR_CREAT, 0644);
        s.write(2, 0, new byte[KEPT]);
        s.call(new TMessage.Tunlinkat(1, "gone", 0));
        // The reload's scan is over (it cannot see the unlinked file); its swap is still to come.
        Runnable swap = rig.quotas.prepare(rig.holder.current());
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch swapped = new CountDownLatch(1);
        FileIo.whileWriting(
                () -> {
                    writing.countDown();
                    try {
                        // A swap that waits for the write must not wait for this: bounded, and either way right.
                        swapped.await(2, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                () -> {});
        CompletableFuture<Integer> write = CompletableFuture.supplyAsync(() -> {
            try {
                return s.write(2, KEPT, new byte[WRITTEN]);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // A swap that holds the write back before its pwrite lets this wait run out, and goes first.
        writing.await(2, TimeUnit.SECONDS);
        swap.run();
        swapped.countDown();
        assertEquals(WRITTEN, write.get(FAILURE_BOUND_SECONDS, TimeUnit.SECONDS));
        FileIo.whileWriting(null, null);
        Usage open = alpha.live();
        s.clunk(2);
        Usage closed = alpha.live();
        assertAll(
                () -> assertEquals(new Usage(3000 + KEPT + WRITTEN, 2), open, "counted while the file is open"),
                () -> assertEquals(alpha.rescanned(), closed, "counted once it is closed"));
    }
}
