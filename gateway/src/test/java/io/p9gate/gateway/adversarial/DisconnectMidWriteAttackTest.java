package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3: a VM that closes its socket in the middle of a large Twrite frame, or right after a whole Twrite and
 * before its reply, or with files open, {@code p9gate.disconnect.rounds} times (20 by default). The gateway process
 * keeps no descriptor of those connections (its /proc/PID/fd count returns to where it was), writes no record of a
 * write it never received whole and makes no such write, keeps the record of every write it made, and another VM's
 * requests go on meanwhile; the log verifies.
 */
class DisconnectMidWriteAttackTest {
    private static final int ROUNDS = Integer.getInteger("p9gate.disconnect.rounds", 20);
    private static final int MSIZE = 65536;
    private static final int O_RDWR = 2;
    private static final byte TWRITE = 118;

    @TempDir
    Path tmp;

    @Test
    void aSocketClosedMidWriteLeavesNoDescriptorNoPartialRecordAndNoHarm() throws Exception {
        AuditedGatewayProcess gateway = new AuditedGatewayProcess(tmp, tmp, List.of("alpha", "beta"), "", List.of());
        gateway.start(0);
        try (P9Client beta = P9Client.open(UnixDomainSocketAddress.of(gateway.socketOf("beta")), MSIZE)) {
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1);
            beta.lcreate(1, "beta-file", O_RDWR, 0644, 0);
            disconnectMidWrite(gateway, "warm-up", 0); // the first of each kind loads what it needs, once
            disconnectAfterWrite(gateway, "warm-up", 0);
            long baseline = awaitSettled(gateway.pid(), -1);
            for (int round = 0; round < ROUNDS; round++) {
                disconnectMidWrite(gateway, "partial", round);
                disconnectAfterWrite(gateway, "whole", round);
                byte[] line = ("beta " + round + "\n").getBytes(StandardCharsets.UTF_8);
                assertEquals(line.length, beta.write(1, 8L * round, line), "beta's write of round " + round);
            }
            assertEquals(
                    baseline,
                    awaitSettled(gateway.pid(), baseline),
                    "the gateway's descriptors after " + ROUNDS + " rounds of abrupt closes (baseline " + baseline
                            + ")");
            assertEquals(
                    8L * (ROUNDS - 1) + ("beta " + (ROUNDS - 1) + "\n").length(),
                    Files.size(gateway.shareOf("beta").resolve("beta-file")),
                    "beta's data");
        }
        assertEquals(143, gateway.stop(), gateway.stderrText());
        SignedLogs.Verified verified = gateway.logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = gateway.logs.records();
        for (int round = 0; round < ROUNDS; round++) {
            String partial = "/partial-" + round;
            assertEquals(0, Files.size(gateway.share.resolve(partial.substring(1))), partial + " got data");
            assertTrue(
                    records.stream().noneMatch(r -> "write".equals(r.op()) && partial.equals(r.path())),
                    partial + ": a record of a write the gateway never received whole");
            String whole = "/whole-" + round;
            long size = Files.size(gateway.share.resolve(whole.substring(1)));
            if (size > 0) {
                assertArrayEquals(new byte[(int) size], Files.readAllBytes(gateway.share.resolve(whole.substring(1))));
                assertTrue(
                        records.stream()
                                .anyMatch(r -> "write".equals(r.op())
                                        && whole.equals(r.path())
                                        && r.detail().contains("phase=intent")),
                        whole + " holds data without its write intent");
            }
        }
    }

    /** A Tlcreate, then a Twrite frame of msize cut in the middle, then the socket closed. */
    private static void disconnectMidWrite(AuditedGatewayProcess gateway, String name, int round) throws Exception {
        P9Client c = opened(gateway, name + "-" + round);
        ByteBuf frame = twrite(MSIZE - 64);
        frame.writerIndex(frame.writerIndex() / 2);
        c.sendRaw(7, frame);
        c.close();
    }

    /** A Tlcreate, then a whole Twrite, then the socket closed before its reply can be read. */
    private static void disconnectAfterWrite(AuditedGatewayProcess gateway, String name, int round) throws Exception {
        P9Client c = opened(gateway, name + "-" + round);
        c.sendRaw(7, twrite(MSIZE - 64));
        c.close();
    }

    /** alpha's session with fid 1 a file it made, open for writing, and fid 2 the share's root, walked. */
    private static P9Client opened(AuditedGatewayProcess gateway, String file) throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(gateway.socket), MSIZE);
        c.attach(0, "root", "data", 0);
        c.walk(0, 1);
        c.lcreate(1, file, O_RDWR, 0644, 0);
        c.walk(0, 2);
        return c;
    }

    /** Twrite of {@code count} zero bytes at offset 0 through fid 1, as the wire carries it. */
    private static ByteBuf twrite(int count) {
        ByteBuf b = Unpooled.buffer(23 + count);
        b.writeIntLE(23 + count)
                .writeByte(TWRITE)
                .writeShortLE(7)
                .writeIntLE(1)
                .writeLongLE(0)
                .writeIntLE(count);
        b.writeZero(count);
        return b;
    }

    /**
     * The process's descriptor count once it stops changing (closes are handled on the event loop, shortly after
     * the peer's): the count once it reached {@code expected}, or after 10 s the last one seen.
     */
    private static long awaitSettled(long pid, long expected) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        long last = -1;
        int stable = 0;
        while (System.nanoTime() < deadline) {
            long now = descriptors(pid);
            if (now == expected) {
                return now;
            }
            stable = now == last ? stable + 1 : 0;
            last = now;
            if (expected < 0 && stable >= 10) {
                return now;
            }
            Thread.sleep(50); // polled: nothing tells when a peer's close has been handled
        }
        return last;
    }

    private static long descriptors(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }
}
