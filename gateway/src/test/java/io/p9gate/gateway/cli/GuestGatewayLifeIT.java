package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.guest.ExpectedMarks;
import io.p9gate.gateway.guest.GuestHarness;
import io.p9gate.gateway.guest.GuestResult;
import io.p9gate.gateway.guest.GuestRun;
import io.p9gate.gateway.guest.GuestSignal;
import io.p9gate.gateway.guest.RepoPaths;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's life while a real Linux guest is busy on its share (gateway-life.sh): {@code p9gate serve} as its own
 * process, reloaded by SIGHUP while a loop writes, creates, renames and reads in {@code /busy}: read-only, hidden,
 * writable again, with descriptors held across; then stopped by SIGTERM while dd streams into a file, and started
 * again. Also the audit disk budget reached while the guest writes (gateway-life-budget.sh), and the reloads over
 * mutual TLS.
 */
class GuestGatewayLifeIT {
    private static final String EROFS = "Read-only file system";
    private static final String ENOENT = "No such file or directory";
    private static final String EIO = "Input/output error";
    private static final String EFAULT = "Bad address";
    private static final byte[] PATTERN = "0123456789abcde\n".getBytes(StandardCharsets.US_ASCII);
    private static final Set<String> CHANGES = Set.of("write", "lcreate", "rename", "renameat", "setattr", "unlinkat");

    private static final Duration GUEST_WAIT = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    @Test
    void reloadsStopAndStartWhileTheGuestIsBusy() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = Files.createDirectories(tmp.resolve("share/signal")).getParent();
        Path socket = tmp.resolve("alpha.sock");
        Path policy = tmp.resolve("policy.yaml");
        Path pidFile = tmp.resolve("p9gate.pid");
        SignedLogs logs = SignedLogs.in(tmp);
        Files.writeString(policy, alpha("unix:" + socket, share, ""));
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("gateway-life.sh"))
                .withBin(Path.of("/usr/bin/dd")) // coreutils dd says how many bytes were written before its error
                .withTimeout(Duration.ofSeconds(300));
        List<String> host = new ArrayList<>();
        ServeProcess first = ServeProcess.signed(policy, logs, pidFile);
        first.awaitStdout("p9gate: audit log ");
        ServeProcess[] second = new ServeProcess[1];
        GuestResult result;
        try {
            CompletableFuture<Void> alongside = CompletableFuture.runAsync(() -> {
                try {
                    reloads(first, share, policy, pidFile, "unix:" + socket);
                    if (!GuestSignal.appeared(share.resolve("signal/ready-stop"), GUEST_WAIT)) {
                        return;
                    }
                    Thread.sleep(3000); // dd is streaming
                    Instant stop = Instant.now();
                    host.add("stop-exit " + first.stop());
                    host.add("stop-millis "
                            + Duration.between(stop, Instant.now()).toMillis());
                    second[0] = ServeProcess.signed(policy, logs, pidFile);
                    second[0].awaitStdout("p9gate: audit log ");
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            result = harness.run("p9gate-gateway-life", socket, run);
            alongside.get(2, TimeUnit.MINUTES);
        } finally {
            first.close();
            if (second[0] != null) {
                host.add("restart-exit " + second[0].stop());
            }
        }

        assertEquals(
                List.of("stop-exit 143", "restart-exit 143"),
                host.stream().filter(l -> !l.startsWith("stop-millis")).toList(),
                () -> host + "\n" + result.describe());
        assertEquals("a\nd\n", Files.readString(share.resolve("busy/held")), "only the appends the policy allowed");

        // The file dd wrote: every byte the pattern's, at least as many as dd was told were written.
        byte[] big = Files.readAllBytes(share.resolve("big"));
        long acked = Long.parseLong(result.marks().get("dd-bytes"));
        int bad = IntStream.range(0, big.length)
                .filter(i -> big[i] != PATTERN[i % PATTERN.length])
                .findFirst()
                .orElse(-1);
        assertEquals(-1, bad, "first byte not the pattern's, of " + big.length);
        assertTrue(
                big.length >= acked && big.length <= acked + 4096,
                big.length + " bytes on the host, " + acked + " acknowledged");

        Map<String, String> want = phaseMarks();
        // After the stop every call fails at once (EIO), also once the gateway is back: QEMU connects once, at
        // start (docs/deploy.md), so the mount's connection is gone for good.
        want.put("after-stat", EIO);
        want.put("after-stat-seconds", "0");
        want.put("after-ls", EIO);
        want.put("after-restart-ls", EIO);
        want.put("done", "");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        // The write in flight when the connection closed: the 6.1 client's EOF handling parses an empty reply
        // (EFAULT); one sent after it is EIO.
        assertTrue(Set.of(EFAULT, EIO).contains(result.marks().get("dd-error")), result::describe);
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        assertReloadsSeparateTheDecisions(records);
        List<String> lifecycle = new ArrayList<>();
        records.stream()
                .map(AuditRecord::type)
                .filter(t -> Set.of("start", "shutdown").contains(t))
                .filter(t -> lifecycle.isEmpty() || !lifecycle.getLast().equals(t)) // a run's start records as one
                .forEach(lifecycle::add);
        assertEquals(List.of("start", "shutdown", "start", "shutdown"), lifecycle, "a clean stop, then a start");
    }

    @Test
    void theAuditBudgetReachedWhileTheGuestWritesRefusesItsWritesNotItsReads() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("r"), "keep\n");
        Path socket = tmp.resolve("alpha.sock");
        Path policy = Files.writeString(tmp.resolve("policy.yaml"), alpha("unix:" + socket, share, ""));
        SignedLogs logs = SignedLogs.in(tmp);
        GuestResult result;
        // Its last 5 %, kept for looks, holds ~100 records.
        try (ServeProcess gateway =
                ServeProcess.signed(policy, logs, tmp.resolve("p9gate.pid"), "--audit-max-bytes", "1MiB")) {
            gateway.awaitStdout("p9gate: audit log ");
            result = harness.run(
                    "p9gate-gateway-life-budget",
                    socket,
                    GuestRun.script(RepoPaths.guestScripts().resolve("gateway-life-budget.sh"))
                            .withTimeout(Duration.ofSeconds(300)));
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, gateway.stop(), gateway.stderr());
        }
        Map<String, String> want = new LinkedHashMap<>();
        want.put("first-refusal", EIO);
        want.put("read-host-file", "OK:keep,");
        want.put("read-own-file", "OK:data-0,");
        want.put("stat-own-file", "OK:7,");
        want.put("append-again", EIO);
        want.put("mkdir-again", EIO);
        want.put("done", "");
        List<String> budget = logs.records().stream()
                .filter(r -> "log_budget".equals(r.type()) || r.refused())
                .map(r -> r.seq() + " " + r.type() + " " + r.op() + " " + r.path() + " " + r.errno() + " " + r.detail())
                .toList();
        ExpectedMarks.assertMarks(want, result.marks(), () -> String.join("\n", budget) + "\n" + result.describe());
        int written = Integer.parseInt(result.marks().get("written"));
        assertTrue(written > 10 && written < 5000, result::describe);
        // Each change is decided alone: the create that crossed the 5 % mark may have been made, empty, and its
        // write refused; nothing else of the refused steps is on the host.
        Path crossing = share.resolve("w" + written);
        assertTrue(!Files.exists(crossing) || Files.size(crossing) == 0, "the refused write wrote nothing");
        Files.deleteIfExists(crossing);
        List<String> names = new ArrayList<>(
                IntStream.range(0, written).mapToObj(i -> "w" + i).toList());
        names.add("r");
        try (Stream<Path> files = Files.list(share)) {
            assertEquals(
                    names.stream().sorted().toList(),
                    files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "nothing made after the refusal");
        }
        assertEquals("data-0\n", Files.readString(share.resolve("w0")), "the refused append changed nothing");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        assertTrue(
                logs.records().stream()
                        .anyMatch(r -> "log_budget".equals(r.type())
                                && String.valueOf(r.detail()).startsWith("state=changes_refused")),
                "the log says from when changes are refused");
    }

    @Test
    void reloadsOverMutualTls() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("alpha", Duration.ofDays(1));
        Path share = Files.createDirectories(tmp.resolve("share/signal")).getParent();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String listen = "tls:127.0.0.1:%d\n    client-cert: {ca: %s, subject: \"CN=alpha\"}"
                .formatted(port, pki.dir().resolve(TestPki.CA_CERT));
        Path policy = Files.writeString(tmp.resolve("policy.yaml"), alpha(listen, share, ""));
        SignedLogs logs = SignedLogs.in(tmp);
        Path pidFile = tmp.resolve("p9gate.pid");
        GuestResult result;
        try (ServeProcess gateway = ServeProcess.withTls(policy, pki, logs, pidFile)) {
            gateway.awaitStdout("p9gate: audit log ");
            CompletableFuture<Void> alongside = CompletableFuture.runAsync(() -> {
                try {
                    reloads(gateway, share, policy, pidFile, listen);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            result = harness.runTls(
                    "p9gate-gateway-life-tls",
                    new InetSocketAddress("127.0.0.1", port),
                    pki.dir().resolve("alpha"),
                    GuestRun.script(RepoPaths.guestScripts().resolve("gateway-life.sh"))
                            .withEnv("STOP", "0")
                            .withTimeout(Duration.ofSeconds(300)));
            alongside.get(2, TimeUnit.MINUTES);
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, gateway.stop(), gateway.stderr());
        }
        Map<String, String> want = phaseMarks();
        want.put("done", "");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        assertEquals("a\nd\n", Files.readString(share.resolve("busy/held")), "only the appends the policy allowed");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        assertReloadsSeparateTheDecisions(logs.records());
    }

    /** What gateway-life.sh's three phases should see. */
    private static Map<String, String> phaseMarks() {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("ro-touch", EROFS);
        want.put("ro-append-held", EROFS);
        want.put("ro-read-held", "OK:keep,");
        want.put("ro-cat", "OK:keep,");
        want.put("hidden-ls", ENOENT);
        want.put("hidden-append-held", ENOENT);
        want.put("hidden-read-held", ENOENT);
        want.put("rw-touch", "OK:,");
        want.put("rw-append-held", "OK:,");
        want.put("loop-ran", "yes");
        // busybox sh words ENOENT at a redirection as "nonexistent directory"
        want.put("loop-errors", EROFS + ",nonexistent directory,");
        want.put("rw-loop-after", "OK:x,");
        return want;
    }

    /**
     * The three reloads recorded in turn, each decision on {@code /busy} stamped with the policy then in force and
     * written after the record of that policy's reload: changes allowed under the first and the last policy, only
     * EROFS refusals under the read-only one, only ENOENT under the hiding one.
     */
    private static void assertReloadsSeparateTheDecisions(List<AuditRecord> records) {
        List<String> digests = new ArrayList<>();
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            AuditRecord r = records.get(i);
            if ("policy_load".equals(r.type()) && digests.isEmpty() || "policy_reload".equals(r.type())) {
                digests.add(r.policy());
                taken.add(i);
            }
        }
        assertEquals(4, digests.size(), "the load and three reloads recorded: " + digests);
        List<String> wrong = new ArrayList<>();
        int[] changes = new int[4];
        for (int i = 0; i < records.size(); i++) {
            AuditRecord r = records.get(i);
            if (!r.isDecision() || !String.valueOf(r.path()).startsWith("/busy")) {
                continue;
            }
            int phase = digests.lastIndexOf(r.policy());
            if (phase == 3 && i < taken.get(3) && r.policy().equals(digests.getFirst())) {
                phase = 0; // the last policy is the first one again: same digest
            }
            boolean denied = "deny".equals(r.decision());
            boolean change = !denied && CHANGES.contains(r.op()) && (r.errno() == null || r.errno() == 0);
            if (change) {
                changes[Math.max(0, phase)]++;
            }
            boolean fits = phase >= 0
                    && i > taken.get(phase)
                    && (denied
                            ? phase == 1 && r.errno() == 30 || phase == 2 && r.errno() == 2
                            : !change || phase % 3 == 0);
            if (!fits) {
                wrong.add("#" + i + " policy " + phase + " (reload records at " + taken + ") " + r.op() + " " + r.path()
                        + " " + r.decision() + " " + r.errno());
            }
        }
        assertEquals(List.of(), wrong, "a decision of another policy than the one in force");
        assertTrue(
                changes[0] > 0 && changes[3] > 0,
                "changes allowed before and after: " + List.of(changes[0], changes[3]));
    }

    /** The three reloads of gateway-life.sh's phases, each once the guest asks for it. */
    private static void reloads(ServeProcess gateway, Path share, Path policy, Path pidFile, String listen)
            throws Exception {
        String[] extra = {"    read-only: [/busy]\n", "    hidden: [/busy]\n", ""};
        for (int phase = 1; phase <= 3; phase++) {
            if (!GuestSignal.appeared(share.resolve("signal/ready-" + phase), GUEST_WAIT)) {
                return;
            }
            Files.writeString(policy, alpha(listen, share, extra[phase - 1]));
            String outcome = gateway.reloadBySighup(pidFile);
            assertTrue(outcome.contains(" loaded "), () -> outcome + gateway.stderr());
            Files.createFile(share.resolve("signal/go-" + phase));
        }
    }

    /** VM alpha listening on {@code listen}, its one share {@code data} with {@code rules} (share-level lines). */
    private static String alpha(String listen, Path share, String rules) {
        return """
                image: life
                vms:
                  alpha:
                    listen: %s
                    shares:
                      data:
                        path: %s
                        access: read-write
                %s""".formatted(listen, share, rules.isEmpty() ? "" : "    " + rules);
    }
}
