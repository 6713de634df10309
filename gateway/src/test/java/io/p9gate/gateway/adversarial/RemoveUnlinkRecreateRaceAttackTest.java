package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.SameNamePipelineRaceAttackTest.errno;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (R-AUD-1, races), the unlink side of SameNamePipelineRaceAttackTest: a Tremove looks again, under the
 * entry's lock (EntryLocks), that the name still holds the fid's file, then unlinks the name. Another session's
 * Tunlinkat of that name and a Tlcreate of it anew between the two had the Tremove unlink the new file: data lost, and
 * the Tremove answered and recorded as the removal of a file another request had removed. No serial order gives that
 * (remove first: the Tunlinkat finds nothing, ENOENT; Tunlinkat first: the fid's file is gone, the Tremove ENOENT).
 */
class RemoveUnlinkRecreateRaceAttackTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @AfterEach
    void noHook() {
        Entries.whileRemoving(null);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aTremoveNeverUnlinksAFileMadeAnewAtItsName(Mode mode) throws Exception {
        ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
        try (gw;
                P9Client remover = gw.alpha();
                P9Client other = gw.alpha()) {
            Path t = gw.data.resolve("t");
            Files.writeString(t, "the fid's file");
            remover.attach(0, "u", "data", 0);
            remover.walk(0, 1, "t");
            other.attach(0, "u", "data", 0);
            other.walk(0, 1);
            AtomicReference<PendingCall> unlink = new AtomicReference<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicReference<Boolean> madeAnew = new AtomicReference<>(false);
            Entries.whileRemoving(() -> {
                Entries.whileRemoving(null);
                try {
                    PendingCall call = other.send(new TMessage.Tunlinkat(0, "t", 0));
                    unlink.set(call);
                    // Answered, or waiting for the entry's lock this Tremove holds: either way it is decided here.
                    while (!call.reply().isDone() && !Entries.entryLockAwaited()) {
                        Thread.onSpinWait();
                    }
                    if (call.reply().isDone()) {
                        other.await(call);
                        other.lcreate(1, "t", O_RDWR, 0644, 0);
                        other.write(1, 0, "made anew".getBytes(StandardCharsets.UTF_8));
                        madeAnew.set(true);
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            Errno removeTold = errno(remover, remover.send(new TMessage.Tremove(1)));
            assertNull(failed.get(), "the other session's requests: " + failed.get());
            assertTrue(unlink.get() != null, "the hook ran inside the window");
            Errno unlinkTold = errno(other, unlink.get());
            if (madeAnew.get()) {
                assertTrue(
                        Files.exists(t, NOFOLLOW_LINKS),
                        "the file made anew at t was unlinked (Tremove told " + removeTold + ")");
                assertEquals("made anew", Files.readString(t));
                assertEquals(Errno.ENOENT, removeTold, "the fid's file was removed by the Tunlinkat first");
            } else {
                assertNull(removeTold, "the Tremove came first");
                assertEquals(Errno.ENOENT, unlinkTold, "the Tunlinkat after it finds nothing");
                assertTrue(!Files.exists(t, NOFOLLOW_LINKS), "t removed");
            }
        }
    }
}
