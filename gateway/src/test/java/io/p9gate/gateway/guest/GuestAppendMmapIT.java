package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * O_APPEND and shared writable maps through the real Linux client (append-mmap.sh; VM a with policy and signed audit,
 * one guest mounting its share four times: cache=none twice, cache=loose and cache=mmap). Two guest processes, each
 * through its own cache=none mount, and the host append 100-byte records at once: every record lands whole. Maps
 * written and msync'ed through the cache=loose and cache=mmap mounts reach the host byte for byte, the file's size
 * kept (also where it ends inside a page), and read the same through the other mounts.
 */
class GuestAppendMmapIT {
    private static final int RECORDS = 400;
    private static final int RECORD = 100;
    private static final List<String> PORTS = List.of("n2", "lo", "mm");
    private static final Pattern WHOLE = Pattern.compile("[ABH]\\d{98}");

    @TempDir
    Path tmp;

    @Test
    void appendsLandWholeAndMappedWritesReachTheHost() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(tmp.resolve("share"));
        Path sync = Files.createDirectories(share.resolve("sync"));
        Files.createFile(share.resolve("app"));
        Map<String, byte[]> want = new LinkedHashMap<>();
        for (String kind : List.of("loose", "mmap")) {
            want.put(
                    "mid-" + kind,
                    made(share.resolve("mid-" + kind), 300_000, 5000, 200_000, kind.equals("loose") ? 'L' : 'M'));
            want.put("tail-" + kind, made(share.resolve("tail-" + kind), 10_001, 8000, 2001, 'T'));
        }
        Path helper = HostBuild.guestBinary("mapwrite-helper");
        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "append-mmap.sh"))
                .withAname("car")
                .withTimeout(Duration.ofSeconds(240))
                .withBin(helper)
                .withEnv("MW_HELPER", helper.toString());
        Path policyFile = Files.writeString(
                tmp.resolve("policy.yaml"), TwoGuestGateway.oneVmPolicy(tmp.resolve("a.sock"), share));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        GuestResult a;
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "append-mmap")) {
            CompletableFuture<GuestResult> guest = gateway.boot(
                    "p9gate-append-mmap",
                    tmp.resolve("a.sock"),
                    run,
                    GuestHarness.extraPorts(tmp.resolve("a.sock"), PORTS));
            if (GuestBoots.awaitFile(sync.resolve("append-go"), Duration.ofMinutes(3), guest)) {
                try (FileChannel app = FileChannel.open(share.resolve("app"), StandardOpenOption.APPEND)) {
                    for (int i = 0; i < RECORDS; i++) {
                        app.write(ByteBuffer.wrap("H%098d\n".formatted(i).getBytes(StandardCharsets.US_ASCII)));
                        Thread.sleep(2);
                    }
                }
            }
            a = guest.join();
        }
        assertEquals(0, a.exitCode(), a::describe);
        assertFalse(a.output().contains("9pnet"), a::describe);

        String appended = Files.readString(share.resolve("app"), StandardCharsets.US_ASCII);
        List<String> lines = appended.lines().toList();
        long whole = lines.stream().filter(l -> WHOLE.matcher(l).matches()).count();
        assertEquals(
                3L * RECORDS * RECORD + " " + 3 * RECORDS,
                appended.length() + " " + whole,
                "the host's app: bytes and whole records (A: guest mount 1, B: guest mount 2, H: the host)");
        for (char who : List.of('A', 'B', 'H')) {
            assertEquals(
                    RECORDS,
                    lines.stream().filter(l -> l.charAt(0) == who).distinct().count(),
                    "records of " + who);
        }

        Map<String, String> marks = new LinkedHashMap<>();
        marks.put("mounts", "4");
        marks.put("map-loose", "OK");
        marks.put("map-mmap", "OK");
        marks.put("tail-loose", "OK");
        marks.put("tail-mmap", "OK");
        for (Map.Entry<String, byte[]> file : want.entrySet()) {
            byte[] host = Files.readAllBytes(share.resolve(file.getKey()));
            assertEquals(
                    md5(file.getValue()) + " " + file.getValue().length,
                    md5(host) + " " + host.length,
                    "the host's " + file.getKey());
            marks.put(file.getKey() + "-none", md5(file.getValue()) + " " + file.getValue().length);
            marks.put(file.getKey() + "-n2", md5(file.getValue()) + " " + file.getValue().length);
        }
        marks.put("done", "1");
        // The host's appends race the guest's: once both guest processes were done, the guest saw their 80,000 bytes
        // and any part of the host's.
        long sizeSeen = Long.parseLong(a.marks().getOrDefault("append-size", "0"));
        assertTrue(
                sizeSeen >= 2L * RECORDS * RECORD && sizeSeen <= 3L * RECORDS * RECORD,
                "the guest's stat of app after its appends: " + sizeSeen);
        ExpectedMarks.assertMarks(marks, a.marks(), a::describe);
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** A file of {@code size} dots on the host; returns what it should hold once {@code len} bytes at {@code off} are {@code c}. */
    private static byte[] made(Path file, int size, int off, int len, char c) throws Exception {
        byte[] dots = new byte[size];
        Arrays.fill(dots, (byte) '.');
        Files.write(file, dots);
        byte[] after = dots.clone();
        Arrays.fill(after, off, off + len, (byte) c);
        return after;
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
