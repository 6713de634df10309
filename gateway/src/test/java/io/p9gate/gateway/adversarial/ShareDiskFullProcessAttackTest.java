package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.StatFs;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3, R-POL-6: alpha's share is a small tmpfs of its own, half of it taken by the host, and alpha's quota
 * (on {@code /q}) larger than what is left. Writing until the disk is full, alpha is answered ENOSPC and the record of that write says ENOSPC; each short write's record says
 * the bytes the guest was told; beta, on another disk, goes on. A {@code kill -9} in the middle of alpha's writes
 * and unlinks, then a restart: alpha's quota use (what Tstatfs shows of it) equals what is on disk, before and after.
 */
class ShareDiskFullProcessAttackTest {
    private static final long QUOTA = 3L << 20;
    private static final int O_RDWR = 2;
    private static final int CHUNK = 48 << 10;

    @TempDir
    Path tmp;

    @Test
    void aFullShareIsEnospcRecordedSoAndItsQuotaMatchesTheDiskAcrossAKill() throws Exception {
        try (ScratchMount sharefs = ScratchMount.tmpfs(tmp.resolve("share"), "size=4m")) {
            AuditedGatewayProcess gateway = new AuditedGatewayProcess(
                    tmp,
                    tmp,
                    List.of("alpha", "beta"),
                    "quotas:\n  - {path: /q, bytes: %d, inodes: 1000}\n".formatted(QUOTA),
                    List.of());
            assertEquals(sharefs.dir, gateway.share, "alpha's share is the small file system");
            Path scope = Files.createDirectory(gateway.share.resolve("q"));
            // The host takes half the disk outside the quota's scope: the disk fills before the quota does.
            Path filler = Files.write(gateway.share.resolve("filler"), new byte[2 << 20]);
            gateway.start(0);
            long answered = 0;
            P9Exception refused = null;
            try (P9Client alpha = client(gateway, "alpha");
                    P9Client beta = client(gateway, "beta")) {
                alpha.walk(0, 1, "q");
                alpha.lcreate(1, "big", O_RDWR, 0644, 0);
                alpha.walk(0, 2, "q");
                beta.walk(0, 1);
                beta.lcreate(1, "beta", O_RDWR, 0644, 0);
                for (int i = 0; i < 200 && refused == null; i++) {
                    try {
                        answered += alpha.write(1, answered, new byte[CHUNK]);
                    } catch (P9Exception e) {
                        refused = e;
                    }
                    assertEquals(CHUNK, beta.write(1, (long) i * CHUNK, new byte[CHUNK]), "beta's write " + i);
                }
                assertTrue(refused != null, "a 2 MiB share never filled");
                assertEquals(Errno.ENOSPC, refused.errno(), refused.toString());
                assertEquals(answered, Files.size(scope.resolve("big")), "alpha's data");
                Files.delete(filler); // room on the disk again: Tstatfs now shows the quota's room, not the disk's
                assertRoom(alpha, 2, answered, "alpha's quota use while it runs");
            }
            // Killed while alpha writes (and fails to) on its full share, and unlinks to make room.
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch going = new CountDownLatch(20);
            Thread load = Thread.ofPlatform().start(() -> fillAndFree(gateway, stop, going));
            assertTrue(going.await(20, TimeUnit.SECONDS), "the load ran: " + gateway.stderrText());
            gateway.kill();
            stop.set(true);
            load.join();
            gateway.start(0);
            try (P9Client alpha = client(gateway, "alpha")) {
                alpha.walk(0, 2, "q");
                assertRoom(alpha, 2, onDisk(scope), "alpha's quota use after the restart");
            }
            assertEquals(143, gateway.stop(), gateway.stderrText());
            SignedLogs.Verified verified = gateway.logs.verify();
            assertEquals(0, verified.exit(), verified.output());
            assertRecordsSayWhatTheGuestWasTold(gateway.logs.records(), answered);
        }
    }

    /** alpha makes files of a few chunks each, the disk full or not, and unlinks every other one. */
    private static void fillAndFree(AuditedGatewayProcess gateway, AtomicBoolean stop, CountDownLatch going) {
        try (P9Client alpha = client(gateway, "alpha")) {
            alpha.walk(0, 2, "q");
            for (int i = 0; !stop.get(); i++) {
                alpha.walk(2, 1);
                try {
                    alpha.lcreate(1, "g" + i, O_RDWR, 0644, 0);
                    for (int c = 0; c < 3; c++) {
                        alpha.write(1, (long) c * CHUNK, new byte[CHUNK]);
                    }
                } catch (P9Exception full) {
                    // ENOSPC: the share is full
                }
                alpha.clunk(1);
                if (i % 2 == 0) {
                    try {
                        alpha.unlinkat(2, i == 0 ? "big" : "g" + (i - 2), 0);
                    } catch (P9Exception gone) {
                        // not made
                    }
                }
                going.countDown();
            }
        } catch (Exception killed) {
            // the gateway was killed under a request: that is the test
        }
    }

    /** Each of alpha's write records (its outcome folded in) says the bytes and errno of the first session's replies. */
    private static void assertRecordsSayWhatTheGuestWasTold(List<AuditRecord> records, long answered) {
        long recordedBytes = 0;
        Integer lastErrno = null;
        java.util.Map<Long, AuditRecord> intents = new java.util.HashMap<>();
        java.util.List<Long> order = new java.util.ArrayList<>();
        java.util.Map<Long, AuditRecord> outcomes = new java.util.HashMap<>();
        for (AuditRecord r : records) {
            if (!r.isDecision() || !"alpha".equals(r.vm()) || !"write".equals(r.op()) || !"/q/big".equals(r.path())) {
                continue;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("phase=outcome intent=(\\d+)")
                    .matcher(r.detail());
            if (m.find()) {
                outcomes.put(Long.parseLong(m.group(1)), r);
            } else {
                intents.put(r.seq(), r);
                order.add(r.seq());
            }
        }
        for (long seq : order) {
            AuditRecord last = outcomes.getOrDefault(seq, intents.get(seq));
            recordedBytes += last.errno() == null || last.errno() == 0 ? last.bytes() : 0;
            lastErrno = last.errno();
        }
        assertEquals(answered, recordedBytes, "the bytes alpha's write records say were written");
        assertEquals(Errno.ENOSPC.code(), lastErrno, "the refused write's record");
    }

    /**
     * A session of {@code vm}, attached. A refused Tattach (tag 0 of the session) keeps its errno and says what the
     * gateway logged: nothing documents an EIO there (the log is not on the full disk), and a failure under load
     * that only said "Rlerror to tag 0" could not be told apart from a flake.
     */
    private static P9Client client(AuditedGatewayProcess gateway, String vm) throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(gateway.socketOf(vm)), 65536 + 64);
        try {
            c.attach(0, "root", "data", 0);
        } catch (P9Exception e) {
            c.close();
            throw new P9Exception(
                    e.errno(), vm + "'s Tattach: " + e.getMessage() + "; gateway stderr:\n" + gateway.stderrText(), e);
        }
        return c;
    }

    /** Tstatfs of the share's root shows the quota's room left: its limit less {@code used} bytes, in whole blocks. */
    private static void assertRoom(P9Client c, int fid, long used, String what) throws Exception {
        StatFs s = c.statfs(fid);
        assertEquals((QUOTA - used) / s.bsize(), s.bavail(), what + ": " + used + " bytes used on disk");
    }

    /** The bytes of the regular files in the share, as a scan counts them. */
    private static long onDisk(Path share) throws Exception {
        try (Stream<Path> files = Files.list(share)) {
            long sum = 0;
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                sum += Files.size(f);
            }
            return sum;
        }
    }
}
