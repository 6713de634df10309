package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code p9gate policy replay} on a recorded session: the demo's policy served in-process, a guest session through
 * {@link P9Client} recorded in the demo's signed log, then replayed under the same, a stricter and a looser policy.
 */
class PolicyReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int P9_EXCL = 0200;

    static Path scratch;
    static Path policy;

    /** Records the session once; every test replays the same log. */
    @BeforeAll
    static void recordADemoSession() throws Exception {
        scratch = DemoCommand.DemoFiles.scratchCopy(DemoCommand.DemoFiles.bundledShare());
        Path socket = scratch.resolve("demo.sock");
        policy = DemoCommand.DemoFiles.demoPolicy(scratch, socket);
        PolicyHolder holder = PolicyServe.load(policy, DemoCommand.DemoFiles.check(scratch));
        SignedAuditTrail trail = DemoCommand.DemoFiles.auditTrail(scratch);
        ShareServerFactory shares = new ShareServerFactory(
                new PolicyShares(
                        holder,
                        PolicyServe.guards(
                                holder, new PolicyReloader(holder), OwnershipMode.automatic(ThisProcess.INSTANCE))),
                trail);
        Gateway gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
        try (P9Client guest = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            guest.attach(0, "root", DemoCommand.SHARE_NAME, 0);
            session(guest);
        } finally {
            gateway.close();
            shares.close();
            trail.close();
        }
    }

    /**
     * What the guest does. Under a policy that also makes /media read-only, exactly five of these requests are
     * refused: the open for writing, the two writes, the create and the mkdir in /media.
     */
    private static void session(P9Client guest) throws Exception {
        // /media: read, then change it (all allowed by the demo policy)
        guest.walk(0, 1, "media", "tracks.csv");
        guest.lopen(1, O_RDONLY);
        guest.read(1, 0, 100);
        guest.clunk(1);
        guest.walk(0, 2, "media", "playlist.m3u");
        guest.lopen(2, O_RDWR); // newly denied
        guest.write(2, 0, "x".getBytes(StandardCharsets.UTF_8)); // newly denied
        guest.clunk(2);
        guest.walk(0, 3, "media");
        guest.lcreate(3, "new.m3u", O_WRONLY, 0644, 0); // newly denied
        guest.write(3, 0, "y".getBytes(StandardCharsets.UTF_8)); // newly denied
        guest.clunk(3);
        guest.walk(0, 4, "media");
        guest.mkdir(4, "albums", 0755, 0); // newly denied
        guest.clunk(4);
        // /maps is read-only, /calibration hidden: refused already
        guest.walk(0, 5, "maps", "route-home.gpx");
        assertThrows(P9Exception.class, () -> guest.lopen(5, O_WRONLY));
        guest.clunk(5);
        assertThrows(P9Exception.class, () -> guest.walk(0, 6, "calibration"));
        // /logs: written, and stays writable
        guest.walk(0, 7, "logs", "vehicle.log");
        guest.lopen(7, O_WRONLY);
        guest.write(7, 0, "z".getBytes(StandardCharsets.UTF_8));
        guest.clunk(7);
        guest.walk(0, 8, "logs");
        guest.lcreate(8, "trip.log", O_WRONLY | P9_EXCL, 0644, 0); // recorded with "excl": only CREATE was asked
        guest.clunk(8);
    }

    @AfterAll
    static void deleteScratch() {
        DemoCommand.DemoFiles.deleteTree(scratch);
    }

    private record Run(int code, String out, String err) {}

    private static Run replay(String... args) {
        List<String> all = new ArrayList<>(List.of("policy", "replay"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static Run replayUnder(Path newPolicy, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--log",
                scratch.resolve("audit").toString(),
                "--key",
                scratch.resolve("audit.pub").toString(),
                "--policy",
                newPolicy.toString()));
        args.addAll(List.of(more));
        return replay(args.toArray(String[]::new));
    }

    /**
     * Before, replay verified and read the whole log without a word, and had no --progress ("Unknown option"): the
     * line of {@code audit verify} on stderr, then its own, each wiped; stdout the same with or without it.
     */
    @Test
    void progressIsOnStderrOnly() {
        Run quiet = replayUnder(policy);
        Run shown = replayUnder(policy, "--progress");
        String wipe = "\r\033[K";
        assertEquals("", quiet.err(), "no progress when stderr is no terminal and --progress is not given");
        assertEquals(quiet.code(), shown.code(), shown.err());
        assertEquals(quiet.out(), shown.out(), "progress never touches stdout");
        assertTrue(shown.err().startsWith(wipe + "verifying: "), shown.err());
        assertTrue(shown.err().contains(wipe + "replaying: "), shown.err());
        assertTrue(shown.err().endsWith(wipe), "the line is wiped at the end: " + shown.err());
    }

    private static Path variant(String name, String from, String to) throws Exception {
        String yaml = Files.readString(policy);
        assertTrue(yaml.contains(from), yaml);
        Path file = scratch.resolve(name);
        Files.writeString(file, yaml.replace(from, to));
        return file;
    }

    /** The JSON report of a replay that finds changes (exit 1). */
    private static JsonNode changesUnder(Path newPolicy) throws Exception {
        Run run = replayUnder(newPolicy, "--format", "json");
        assertEquals(1, run.code(), run.err() + run.out());
        return JSON.readTree(run.out());
    }

    private static Map<String, Long> counts(JsonNode node) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), e.getValue().asLong());
        }
        return out;
    }

    @Test
    void underTheSamePolicyNothingChangesAndEveryRequestIsReDecided() throws Exception {
        Run run = replayUnder(policy, "--format", "json");
        assertEquals(0, run.code(), run.err() + run.out());
        JsonNode report = JSON.readTree(run.out());
        assertTrue(report.get("verified").asBoolean());
        assertEquals(0, report.get("newlyDenied").get("requests").asLong());
        assertEquals(0, report.get("newlyAllowed").get("requests").asLong());
        assertEquals(0, report.get("otherErrno").get("requests").asLong());
        assertEquals(27, report.get("unchanged").get("requests").asLong(), run.out());
        try (var segments = Files.list(scratch.resolve("audit"))) {
            String log = Files.readString(segments.filter(f -> f.toString().endsWith(".jsonl"))
                    .filter(f -> f.getFileName().toString().startsWith("segment-"))
                    .findFirst()
                    .orElseThrow());
            assertTrue(log.contains("action=create share=demo flags=0x1 mode=644 excl phase=intent"), log);
        }
        // Only records that are no request are left out: every decision of the session was re-decided.
        for (String reason : counts(report.get("notReplayed").get("byReason")).keySet()) {
            assertTrue(reason.endsWith("record (not a request)"), reason);
        }
    }

    @Test
    void aStricterPolicyListsExactlyTheRequestsItsNewRuleRefuses() throws Exception {
        Path stricter = variant("stricter.yaml", "read-only: [/maps]", "read-only: [/maps, /media]");
        JsonNode report = changesUnder(stricter);
        JsonNode denied = report.get("newlyDenied");
        assertEquals(5, denied.get("requests").asLong(), report.toString());
        assertEquals(Map.of("demo", 5L), counts(denied.get("byVm")));
        assertEquals(Map.of("write", 2L, "lopen", 1L, "lcreate", 1L, "mkdir", 1L), counts(denied.get("byOp")));
        assertEquals(Map.of("vm.demo.share.demo.read-only[1]", 5L), counts(denied.get("byRule")));
        assertEquals(5, denied.get("examples").size());
        for (JsonNode example : denied.get("examples")) {
            assertTrue(example.get("path").asText().startsWith("/media/"), example.toString());
            assertEquals("allow", example.get("was").get("decision").asText());
            assertEquals("EROFS", example.get("now").get("errno").asText());
        }
        assertEquals(0, report.get("newlyAllowed").get("requests").asLong());

        Run text = replayUnder(stricter, "--examples", "2");
        assertEquals(1, text.code(), text.err());
        assertTrue(text.out().contains("newly denied:        5 requests"), text.out());
        assertTrue(text.out().contains("by operation: write 2, lcreate 1, lopen 1, mkdir 1"), text.out());
        assertEquals(
                2,
                text.out()
                        .lines()
                        .filter(
                                l -> l.contains(
                                        ": was allow by vm.demo.share.demo.access, now deny EROFS by vm.demo.share.demo.read-only[1]"))
                        .count(),
                text.out());
    }

    @Test
    void aLooserPolicyListsTheRefusalsItWouldAllow() throws Exception {
        Path looser = variant("looser.yaml", "hidden: [/calibration]", "hidden: []");
        JsonNode allowed = changesUnder(looser).get("newlyAllowed");
        assertEquals(1, allowed.get("requests").asLong(), allowed.toString());
        assertEquals(Map.of("walk", 1L), counts(allowed.get("byOp")));
        assertEquals("/calibration", allowed.get("examples").get(0).get("path").asText());
        assertEquals(
                "ENOENT", allowed.get("examples").get(0).get("was").get("errno").asText());
    }

    @Test
    void aTamperedLogIsRefusedWithTheVerifiersWordsUnlessToldNotToVerify() throws Exception {
        Path copy = scratch.resolve("tampered");
        Files.createDirectories(copy);
        try (var files = Files.list(scratch.resolve("audit"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path segment;
        try (var files = Files.list(copy)) {
            segment = files.filter(f -> f.getFileName().toString().startsWith("segment-0"))
                    .findFirst()
                    .orElseThrow();
        }
        Files.writeString(segment, Files.readString(segment).replace("\"path\":\"/logs/", "\"path\":\"/logx/"));
        Run run = replay(
                "--log",
                copy.toString(),
                "--key",
                scratch.resolve("audit.pub").toString(),
                "--policy",
                policy.toString());
        assertEquals(2, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("does not verify") && run.err().contains("MODIFIED"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());

        Run anyway = replay("--log", copy.toString(), "--no-verify", "--policy", policy.toString());
        assertEquals(0, anyway.code(), anyway.err());
        assertTrue(anyway.out().contains("(not verified)"), anyway.out());
    }

    @Test
    void usageErrorsAreOneLineWithExitTwo() throws Exception {
        Run noKey = replay("--log", scratch.resolve("audit").toString(), "--policy", policy.toString());
        assertEquals(2, noKey.code());
        assertTrue(noKey.err().contains("--key PUB") && noKey.err().contains("--no-verify"), noKey.err());
        Run noLog =
                replay("--log", scratch.resolve("nothing").toString(), "--no-verify", "--policy", policy.toString());
        assertEquals(2, noLog.code());
        assertTrue(noLog.err().contains("nothing: no such file or directory"), noLog.err());
        // A file, or a loop of links, given as the log was "no such log directory" too.
        Path loop = Files.createSymbolicLink(scratch.resolve("loop-a"), scratch.resolve("loop-b"));
        Files.createSymbolicLink(scratch.resolve("loop-b"), loop);
        Run looped = replay("--log", loop.toString(), "--no-verify", "--policy", policy.toString());
        assertEquals(2, looped.code(), looped.err());
        assertTrue(looped.err().contains(loop + ": too many levels of symbolic links"), looped.err());
        Run file = replay("--log", policy.toString(), "--no-verify", "--policy", policy.toString());
        assertEquals(2, file.code(), file.err());
        assertTrue(file.err().contains(policy + ": not a directory"), file.err());
        Path broken = Files.writeString(scratch.resolve("broken.yaml"), "vms: [\n");
        Run badPolicy =
                replay("--log", scratch.resolve("audit").toString(), "--no-verify", "--policy", broken.toString());
        assertEquals(2, badPolicy.code());
        assertEquals(1, badPolicy.err().strip().lines().count(), badPolicy.err());
        assertTrue(badPolicy.err().startsWith("p9gate policy replay: error: "), badPolicy.err());
    }
}
