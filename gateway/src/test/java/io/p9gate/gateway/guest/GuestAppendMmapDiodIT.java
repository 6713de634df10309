package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * O_APPEND and shared writable maps through p9gate (VM a, policy and signed audit) and through diod in the same guest
 * (append-mmap-diod.sh): an O_APPEND write after a seek, an append after another descriptor truncated the file, two
 * appenders through a cache=none and a cache=mmap mount at once, maps over the middle and the ragged tail of a file,
 * and a map over a file another descriptor appends to. Every mark is the same on both servers, byte for byte.
 */
class GuestAppendMmapDiodIT {
    @TempDir
    Path tmp;

    @Test
    void appendsAndMapsEndAsOnDiod() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path share = PosixScript.traversableDir(tmp.resolve("share"));
        Path export = Files.createDirectories(tmp.resolve("diod/export"));
        Files.setPosixFilePermissions(tmp.resolve("diod"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(export, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path helper = HostBuild.guestBinary("mapwrite-helper");
        Path policyFile = Files.writeString(
                tmp.resolve("policy.yaml"), TwoGuestGateway.oneVmPolicy(tmp.resolve("a.sock"), share));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        GuestResult result;
        try (DiodServer diod = DiodServer.start(export, tmp.resolve("diod/diod.log"));
                TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "append-mmap-diod")) {
            GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "append-mmap-diod.sh"))
                    .withAname("car")
                    .withTimeout(Duration.ofSeconds(300))
                    .withBin(helper)
                    .withEnv("MW_HELPER", helper.toString())
                    .withEnv("DIOD_ANAME", diod.aname());
            String ports = GuestHarness.extraPorts(tmp.resolve("a.sock"), List.of("pg"))
                            .get("H9_QEMU_EXTRA")
                    + diodPort("dn", diod)
                    + diodPort("dm", diod);
            CompletableFuture<GuestResult> guest =
                    gateway.boot("p9gate-append-mmap-diod", tmp.resolve("a.sock"), run, Map.of("H9_QEMU_EXTRA", ports));
            result = guest.join();
        }
        assertEquals(0, result.exitCode(), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);
        Map<String, String> p9 = new TreeMap<>();
        Map<String, String> onDiod = new TreeMap<>();
        result.marks().forEach((name, value) -> {
            if (name.startsWith("p9-")) {
                p9.put(name.substring(3), value);
            } else if (name.startsWith("diod-")) {
                onDiod.put(name.substring(5), value);
            }
        });
        Map<String, String> want = new LinkedHashMap<>();
        want.put("append-seek", "0123456789XY");
        want.put("append-after-truncate", "a b Z");
        want.put("map-mid", "OK");
        want.put("map-tail", "OK");
        want.put("map-mix", "OK");
        ExpectedMarks.assertMarks(want, onDiod, result::describe);
        assertEquals(onDiod, p9, result::describe);
        assertEquals("4", result.marks().get("mounts"), result::describe);
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** A virtio-serial port named {@code name} whose chardev is a TCP connection to diod. */
    private static String diodPort(String name, DiodServer diod) {
        return " -chardev socket,id=%1$s,host=%2$s,port=%3$d,nodelay=on -device virtserialport,bus=vser0.0,chardev=%1$s,name=%1$s"
                .formatted(name, diod.address().getHostString(), diod.address().getPort());
    }
}
