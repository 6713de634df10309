package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What sets how many entries one Treaddir carries for the real Linux client (readdir-reply.sh): a 10,000-entry
 * directory of 15-byte names (39 bytes an entry on the wire) listed once by busybox ls and once by a glob under
 * strace, the signed log's Treaddir requests counted per listing. glibc reads through a 32 KiB getdents64 buffer
 * (819 entries), but v9fs keeps what a reply held past it for the next call, so the replies' size is the gateway's:
 * VisibleEntries.MAX_QUESTIONS (512) questions, the last entry judged held back for its cookie, 511 entries (20 KB,
 * well under the 64 KiB count). The client asks once more after the empty reply that ended the listing.
 */
class GuestReaddirReplyIT {
    private static final int ENTRIES = 10_000;
    /** VisibleEntries.MAX_QUESTIONS less the entry held back: what a reply of short names holds. */
    private static final int PER_REPLY = 511;
    /** v9fs asks again after an empty reply: the getdents64 that reached the end and glibc's next one. */
    private static final int EMPTY_REPLIES = 2;

    @TempDir
    Path tmp;

    @Test
    void treaddirRequestsPerListing() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(tmp.resolve("share"));
        Path big = Files.createDirectories(share.resolve("big"));
        for (int i = 0; i < ENTRIES; i++) {
            Files.createFile(big.resolve("entry-%05d.dat".formatted(i)));
        }
        Path strace = Path.of("/usr/bin/strace");
        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "readdir-reply.sh"))
                .withAname("car")
                .withBin(strace)
                .withEnv("STRACE", strace.toString())
                .withTimeout(Duration.ofSeconds(300));
        Path policyFile = Files.writeString(
                tmp.resolve("policy.yaml"), TwoGuestGateway.oneVmPolicy(tmp.resolve("a.sock"), share));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        GuestResult result;
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "readdir-reply")) {
            result = gateway.boot("p9gate-readdir-reply", tmp.resolve("a.sock"), run)
                    .join();
        }
        assertEquals(0, result.exitCode(), result::describe);
        Map<String, String> seen = result.marks();
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        long ls = readdirsBetween(records, "/phase-1", "/phase-2");
        long glob = readdirsBetween(records, "/phase-2", "/phase-3");
        System.out.println("GuestReaddirReplyIT: ls Treaddir " + ls + ", glob Treaddir " + glob + ", marks " + seen);
        assertEquals(Integer.toString(ENTRIES), seen.get("ls-names"), result::describe);
        assertEquals(Integer.toString(ENTRIES), seen.get("glob-names"), result::describe);
        long full = (ENTRIES + PER_REPLY - 1) / PER_REPLY;
        assertEquals(full + EMPTY_REPLIES + " " + (full + EMPTY_REPLIES), ls + " " + glob, "Treaddir of ls and glob");
    }

    private static long readdirsBetween(List<AuditRecord> records, String from, String to) {
        int start = firstAt(records, from);
        int end = firstAt(records, to);
        return records.subList(start, end).stream()
                .filter(r -> r.isDecision()
                        && "readdir".equals(r.op())
                        && !r.detail().contains("phase=outcome"))
                .mapToLong(AuditRecord::requests)
                .sum();
    }

    private static int firstAt(List<AuditRecord> records, String path) {
        for (int i = 0; i < records.size(); i++) {
            if (path.equals(records.get(i).path()) && !records.get(i).refused()) {
                return i;
            }
        }
        throw new AssertionError("no record at " + path);
    }
}
