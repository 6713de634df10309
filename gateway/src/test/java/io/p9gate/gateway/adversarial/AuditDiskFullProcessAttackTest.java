package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-AUD-4, R-ROB-3: the audit log on a small file system of its own (a tmpfs), filled by the host while two VMs
 * write, a gateway without a disk budget. Once a record no longer fits, every VM's change is refused with EIO and
 * not made; once room is made again the gateway records again without a restart; a {@code kill -9} while it is
 * refused loses nothing answered; {@code audit verify} passes and every write the VMs were answered is recorded.
 */
class AuditDiskFullProcessAttackTest {
    private static final List<String> VMS = List.of("alpha", "beta");
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void aFullLogDiskRefusesEveryChangeUntilRoomIsMadeAndLosesNothingAnswered() throws Exception {
        try (ScratchMount logfs = ScratchMount.tmpfs(tmp.resolve("logfs"), "size=2m")) {
            AuditedGatewayProcess gateway = new AuditedGatewayProcess(tmp, logfs.dir, VMS, "", List.of());
            gateway.start(0);
            Map<String, P9Client> clients = new HashMap<>();
            Map<String, Long> answered = new HashMap<>();
            try {
                for (String vm : VMS) {
                    P9Client c = P9Client.open(UnixDomainSocketAddress.of(gateway.socketOf(vm)), 65536);
                    clients.put(vm, c);
                    c.attach(0, "root", "data", 0);
                    c.walk(0, 1);
                    c.lcreate(1, "f", O_RDWR, 0644, 0);
                    c.walk(0, 2); // walked now: once the log fails, a walk is refused too (EIO)
                    answered.put(vm, 0L);
                }
                Path filler = logfs.fill("filler");
                // Both VMs write one byte at a time until the log can take no more records.
                Map<String, P9Exception> refused = new HashMap<>();
                for (int i = 0; i < 40_000 && refused.size() < VMS.size(); i++) {
                    for (String vm : VMS) {
                        if (refused.containsKey(vm)) {
                            continue;
                        }
                        long at = answered.get(vm);
                        try {
                            clients.get(vm).write(1, at, new byte[] {'x'});
                            answered.put(vm, at + 1);
                        } catch (P9Exception e) {
                            refused.put(vm, e);
                        }
                    }
                }
                for (String vm : VMS) {
                    assertTrue(refused.containsKey(vm), vm + " was never refused on a full log disk");
                    assertEquals(Errno.EIO, refused.get(vm).errno(), vm + ": " + refused.get(vm));
                    assertEquals(
                            answered.get(vm), Files.size(gateway.shareOf(vm).resolve("f")), vm + "'s data");
                }
                for (String vm : VMS) {
                    P9Client c = clients.get(vm);
                    for (int i = 0; i < 10; i++) {
                        assertErrno(Errno.EIO, () -> c.write(1, answered.get(vm), new byte[] {'y'}), vm + " write");
                    }
                    assertErrno(Errno.EIO, () -> c.mkdir(2, "d", 0755, 0), vm + " mkdir");
                    assertTrue(Files.notExists(gateway.shareOf(vm).resolve("d")), vm + "'s refused mkdir was made");
                    assertEquals(
                            answered.get(vm), Files.size(gateway.shareOf(vm).resolve("f")), vm + "'s data");
                }
                Files.delete(filler);
                // The log retries its failed write after 1 s, then with a doubling delay: back within a few.
                long deadline = System.nanoTime() + 15_000_000_000L;
                for (String vm : VMS) {
                    while (true) {
                        long at = answered.get(vm);
                        try {
                            clients.get(vm).write(1, at, new byte[] {'z'});
                            answered.put(vm, at + 1);
                            break;
                        } catch (P9Exception e) {
                            assertEquals(Errno.EIO, e.errno(), vm + " while the log recovers");
                            assertTrue(System.nanoTime() < deadline, vm + " still refused 15 s after room was made");
                            Thread.sleep(100); // polled: the log's retry is timed by the gateway alone
                        }
                    }
                }
                // Full once more, and killed while refused: the restart recovers on the full disk's image.
                filler = logfs.fill("filler");
                for (String vm : VMS) {
                    try {
                        clients.get(vm).write(1, answered.get(vm), new byte[] {'w'});
                        answered.put(vm, answered.get(vm) + 1);
                    } catch (P9Exception e) {
                        assertEquals(Errno.EIO, e.errno(), vm + ": " + e);
                    }
                }
                gateway.kill();
                Files.delete(filler);
            } finally {
                clients.values().forEach(P9Client::close);
                if (gateway.alive()) {
                    gateway.kill();
                }
            }
            gateway.start(0);
            assertEquals(143, gateway.stop(), gateway.stderrText());
            SignedLogs.Verified verified = gateway.logs.verify();
            assertEquals(0, verified.exit(), verified.output());
            List<AuditRecord> records = gateway.logs.records();
            for (String vm : VMS) {
                long writes = records.stream()
                        .filter(AuditRecord::isDecision)
                        .filter(r -> vm.equals(r.vm()) && "write".equals(r.op()) && "/f".equals(r.path()))
                        .filter(r -> r.detail().contains("phase=intent"))
                        .count();
                assertEquals(answered.get(vm), Files.size(gateway.shareOf(vm).resolve("f")), vm + "'s data");
                assertEquals(answered.get(vm), writes, vm + ": every answered write is recorded, no refused one");
            }
            assertTrue(
                    records.stream().anyMatch(r -> "log_recovered".equals(r.type())),
                    "the log says it failed and came back");
        }
    }

    /**
     * Killed while its log's disk is full, and started again before room is made: the gateway either serves and
     * refuses (EIO) until there is room, or stops saying why; once room is made it starts (or records again), and
     * the log verifies.
     */
    @Test
    void aRestartOnAStillFullLogDiskSaysWhyAndComesBackOnceThereIsRoom() throws Exception {
        try (ScratchMount logfs = ScratchMount.tmpfs(tmp.resolve("logfs"), "size=3m")) {
            AuditedGatewayProcess gateway = new AuditedGatewayProcess(tmp, logfs.dir, VMS, "", List.of());
            gateway.start(0);
            try (P9Client c = P9Client.open(UnixDomainSocketAddress.of(gateway.socket), 65536)) {
                c.attach(0, "root", "data", 0);
                c.walk(0, 1);
                c.lcreate(1, "f", O_RDWR, 0644, 0);
                c.write(1, 0, new byte[] {'x'});
            }
            gateway.kill();
            Path filler = logfs.fill("filler");
            boolean served;
            try {
                gateway.start(0);
                served = true;
            } catch (Exception | AssertionError stopped) {
                served = false;
            }
            long written = 1;
            if (served) {
                // Records go over zeros written ahead of them: some still fit. Answered means recorded, else EIO.
                try (P9Client c = P9Client.open(UnixDomainSocketAddress.of(gateway.socket), 65536)) {
                    c.attach(0, "root", "data", 0);
                    c.walk(0, 1, "f");
                    c.lopen(1, O_RDWR);
                    for (int i = 0; i < 5_000; i++) {
                        c.write(1, written, new byte[] {'w'});
                        written++;
                    }
                } catch (P9Exception e) {
                    assertEquals(Errno.EIO, e.errno(), e.toString());
                }
                gateway.kill();
            } else {
                String said = gateway.stderrText();
                assertTrue(said.toLowerCase(java.util.Locale.ROOT).contains("space"), "says why it stopped:\n" + said);
            }
            Files.delete(filler);
            gateway.start(0);
            try (P9Client c = P9Client.open(UnixDomainSocketAddress.of(gateway.socket), 65536)) {
                c.attach(0, "root", "data", 0);
                c.walk(0, 1, "f");
                c.lopen(1, O_RDWR);
                assertEquals(1, c.write(1, written, new byte[] {'y'}));
                written++;
            }
            assertEquals(143, gateway.stop(), gateway.stderrText());
            SignedLogs.Verified verified = gateway.logs.verify();
            assertEquals(0, verified.exit(), verified.output());
            long recorded = gateway.logs.records().stream()
                    .filter(AuditRecord::isDecision)
                    .filter(r -> "write".equals(r.op()) && r.detail().contains("phase=intent"))
                    .count();
            assertEquals(written, Files.size(gateway.share.resolve("f")), "the data");
            assertEquals(written, recorded, "every answered write is recorded");
            System.out.println("restart on a full log disk: " + (served ? "served, refusing" : "stopped") + "\n"
                    + gateway.stderrText());
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void assertErrno(Errno expected, Call call, String what) throws Exception {
        try {
            call.run();
        } catch (P9Exception e) {
            assertEquals(expected, e.errno(), what + ": " + e);
            return;
        }
        throw new AssertionError(what + " was not refused");
    }
}
