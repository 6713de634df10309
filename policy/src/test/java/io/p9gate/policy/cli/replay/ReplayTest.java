package io.p9gate.policy.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.cli.replay.Replay.Change;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records re-decided under a small policy: what is counted where, in requests. */
class ReplayTest {
    @TempDir
    Path dir;

    private PolicyEngine engine() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                image: t
                vms:
                  vm:
                    listen: unix:/run/p9gate/vm.sock
                    shares:
                      s:
                        path: /srv/s
                        access: read-write
                        read-only: [/ro]
                        hidden: [/secret]
                """);
        return PolicyEngine.load(file);
    }

    private static AuditRecord record(
            String vm, String op, String path, String decision, int errno, long count, String detail) {
        return new AuditRecord(
                1,
                "b",
                "2026-11-25T11:56:21.019779Z",
                "decision",
                vm,
                1L,
                op,
                7,
                path,
                0L,
                0L,
                0L,
                0L,
                decision,
                List.of(),
                "sha256:old",
                errno,
                null,
                count,
                detail,
                "00");
    }

    private static Map<String, Long> byRule(ChangeTally t) {
        Map<String, Long> out = new java.util.HashMap<>();
        t.byRule().largestFirst().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    @Test
    void eachChangeIsCountedInRequestsUnderItsRules() throws Exception {
        Replay replay = new Replay(engine(), 1);
        replay.add(record("vm", "lopen", "/ro/a", "allow", 0, 1, "action=open share=s flags=0x1"));
        replay.add(record("vm", "lopen", "/ro/b", "allow", 0, 1, "action=open share=s flags=0x2"));
        replay.add(record("vm", "walk", "/secret", "deny", 2, 40, "action=walk share=s secret repeat_of=3"));
        replay.add(record("vm", "walk", "/open", "deny", 13, 1, "action=walk share=s open"));
        replay.add(record("vm", "walk", "/ro", "deny", 2, 1, "action=walk share=s ro"));

        ChangeTally denied = replay.change(Change.NEWLY_DENIED);
        assertEquals(2, denied.requests());
        assertEquals(Map.of("vm.vm.share.s.read-only[0]", 2L), byRule(denied));
        assertEquals(1, denied.examples().size(), "--examples 1 keeps one");
        assertEquals("EROFS", denied.examples().getFirst().now().errno());
        assertEquals(40, replay.change(Change.UNCHANGED).requests(), "a summary counts its requests");
        ChangeTally allowed = replay.change(Change.NEWLY_ALLOWED);
        assertEquals(2, allowed.requests());
        assertEquals(Map.of(Replay.DEFAULT_DENY, 2L), byRule(allowed), "filed under the rules that denied them");
        assertTrue(replay.anyChange());
    }

    @Test
    void anotherErrnoIsAChangeAndAnUnknownVmIsRefusedNotAnError() throws Exception {
        Replay replay = new Replay(engine(), 10);
        replay.add(record("vm", "walk", "/secret/x", "deny", 30, 1, "action=walk share=s secret/x"));
        assertEquals(1, replay.change(Change.OTHER_ERRNO).requests(), "EROFS recorded, ENOENT now");
        replay.add(record("ghost", "getattr", "/", "allow", 0, 1, "action=getattr share=s"));
        assertEquals(1, replay.change(Change.NEWLY_DENIED).requests());
        assertEquals(
                List.of("ghost"),
                replay.change(Change.NEWLY_DENIED).byVm().largestFirst().stream()
                        .map(Map.Entry::getKey)
                        .toList());
    }

    @Test
    void theSameAnswersAreNoChange() throws Exception {
        Replay replay = new Replay(engine(), 10);
        replay.add(record("vm", "lopen", "/ro/a", "deny", 30, 1, "action=open share=s flags=0x1"));
        replay.add(record("vm", "clunk", "/ro/a", "allow", 0, 1, "action=clunk share=s"));
        replay.unreadable();
        assertFalse(replay.anyChange());
        assertEquals(2, replay.change(Change.UNCHANGED).requests());
        assertEquals(1, replay.notReplayed().total());
        assertEquals(3, replay.records());
    }

    /**
     * A doctored record without its op (replay --no-verify reads a log it does not verify) was re-decided, and the
     * report then failed on the missing name: "error: NullPointerException", exit 1, which replay's exit codes read
     * as "some request would change".
     */
    @Test
    void aRecordWithoutItsOpIsNamedNotReplayed() throws Exception {
        Replay replay = new Replay(engine(), 10);
        replay.add(record("vm", null, "/ro/a", "allow", 0, 1, "action=open share=s flags=0x1"));
        ReplayReport report = new ReplayReport("log", "p.yaml", "sha256:new", false, replay);
        assertFalse(replay.anyChange());
        assertTrue(report.text().contains("a field is missing"), report.text());
        assertTrue(report.json().contains("a field is missing"), report.json());
    }

    /** Names in the log are guests' (or a doctored log's): neither report lets their controls reach a terminal. */
    @Test
    void theReportsEscapeWhatTheLogNamed() throws Exception {
        String hostile = "/ro/a\n  forged line\u001b]0;owned\u0007\u009b2J\u202e\u007f";
        Replay replay = new Replay(engine(), 10);
        replay.add(record("vm", "lopen", hostile, "allow", 0, 1, "action=open share=s flags=0x1"));
        replay.add(record("gh\u001b[2Jost", "getattr", hostile, "allow", 0, 1, "action=getattr share=s"));
        replay.add(record("vm", "op\u001b[2J", hostile, "allow", 0, 1, "action=x\u001b share=s"));
        ReplayReport report = new ReplayReport("log", "p.yaml", "sha256:new", true, replay);
        String text = report.text();
        assertTrue(text.contains("/ro/a\\n  forged line\\x1b]0;owned\\x07\\x9b2J\\u202e\\x7f"), text);
        assertTrue(text.contains("gh\\x1b[2Jost"), text);
        for (String out : List.of(text, report.json())) {
            out.codePoints()
                    .filter(c -> c != '\n')
                    .forEach(c -> assertFalse(
                            c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.getType(c) == Character.FORMAT,
                            "raw U+" + Integer.toHexString(c) + " in:\n" + out));
        }
    }
}
