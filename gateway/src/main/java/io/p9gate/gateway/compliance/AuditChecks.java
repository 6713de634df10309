package io.p9gate.gateway.compliance;

import io.p9gate.audit.LifecycleKind;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit log against what the suite did (R-AUD-1, R-AUD-2): every request it sent that the gateway must
 * record is there, with the decision and errno the suite saw; the log verifies with the public key (the
 * {@code audit} module's {@link Verifier}); a signed checkpoint recent enough covers every one of those
 * records; and the policy the gateway loaded last is the policy file given to the suite.
 */
final class AuditChecks {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final String SESSION_ATTACH = LifecycleKind.SESSION_ATTACH.wire();
    /** How long to wait for refusal summaries: two of the gateway's refusal windows, and some slack. */
    private static final Duration SUMMARY_WAIT = Duration.ofSeconds(5);

    private final Path dir;
    private final List<Path> publicKeys;
    private final long startSeq;
    private final String policyDigest;
    private final Duration wait;
    /** When the suite began: a checkpoint over its records cannot be older. */
    private final Instant began;
    /** The gateway's last policy load or reload before the suite began; null if the log has none. */
    private AuditRecord loadedAtStart;

    private final Map<Probe, Long> seqs = new IdentityHashMap<>();
    /** Digests of other policies that decided the suite's requests, with how many of them. */
    private final Map<String, Integer> otherPolicies = new TreeMap<>();
    /** Checks whose requests the gateway decided against the policy, though the answer looked right: why, by check id. */
    private final Map<String, List<String>> contradictions = new HashMap<>();

    private AuditChecks(
            Path dir, List<Path> publicKeys, long startSeq, String policyDigest, Duration wait, Instant began) {
        this.dir = dir;
        this.began = began;
        this.publicKeys = List.copyOf(publicKeys);
        this.startSeq = startSeq;
        this.policyDigest = policyDigest;
        this.wait = wait;
    }

    /**
     * Notes where the log ends before the suite sends anything (only later records can be the suite's), and the
     * policy the gateway loaded last, so that one other than the suite's is said before any check runs.
     */
    static AuditChecks begin(Path dir, List<Path> publicKeys, String policyDigest, Duration wait) throws IOException {
        Instant began = Instant.now();
        AtomicLong count = new AtomicLong();
        AuditRecord[] lastPolicy = new AuditRecord[1];
        SegmentReader.forEachLine(dir, line -> {
            count.incrementAndGet();
            // Most lines are decisions: their three header fields tell them apart without a parse.
            if (line.terminated()
                    && LineHeader.parse(line.bytes())
                            .filter(h -> h.type().startsWith("policy_"))
                            .isPresent()) {
                lastPolicy[0] = policyRecord(line.bytes()).orElse(lastPolicy[0]);
            }
        });
        AuditChecks checks = new AuditChecks(dir, publicKeys, count.get(), policyDigest, wait, began);
        checks.loadedAtStart = lastPolicy[0];
        return checks;
    }

    /**
     * One line when the gateway's last policy load before the run is not the suite's policy file: every check then
     * compares the gateway with a file it does not serve ({@code audit/policy} fails at the end, as before).
     */
    Optional<String> otherPolicyServed(Path policyFile) {
        AuditRecord last = loadedAtStart;
        if (last != null && sameDigest(last.policy(), policyDigest)) {
            return Optional.empty();
        }
        return Optional.of("the gateway serves another policy than " + policyFile + ": its audit log's last policy"
                + " load (" + (last == null ? "none in " + dir : "record " + last.seq() + ", sha256 " + last.policy())
                + ") is not this file's sha256 " + policyDigest + "; every check below compares it with this file"
                + " (give the file it serves, or reload it: p9gate policy reload)");
    }

    private static Optional<AuditRecord> policyRecord(byte[] line) {
        try {
            AuditRecord r = AuditRecord.parse(line);
            return "policy_load".equals(r.type()) || "policy_reload".equals(r.type())
                    ? Optional.of(r)
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not a record: audit/verify says so
        }
    }

    /** By check id: requests of that check that the log shows decided otherwise than the policy says. */
    Map<String, List<String>> contradictions() {
        return contradictions;
    }

    /** The record each matched probe has (filled by {@link #run}). */
    Optional<Long> seqOf(Probe probe) {
        return Optional.ofNullable(seqs.get(probe));
    }

    /** @param closedAtAccept by VM, how many of its new connections the suite saw closed at accept */
    void run(CheckLog log, List<Probe> probes, Map<String, Integer> closedAtAccept, List<String> vms)
            throws IOException {
        List<VerifierKey> keys = new ArrayList<>();
        try {
            for (Path publicKey : publicKeys) {
                keys.add(KeyFiles.readVerifierKey(publicKey));
            }
        } catch (KeyFormatException e) {
            for (String id : List.of("verify", "checkpoint", "policy")) {
                log.add(result(
                        "audit/" + id, null, "R-AUD-2", id, Status.FAILED, "", "--audit-pub: " + e.getMessage()));
            }
            return;
        }
        List<AuditRecord> records = new ArrayList<>();
        Map<String, String> attaches = new HashMap<>();
        AuditRecord[] lastPolicy = new AuditRecord[1];
        read(records, attaches, lastPolicy);
        // Summaries of repeated refusals are written when their window (1 s) has ended, by a timer: a probe among
        // the last ones may be counted in a summary that is not written yet.
        Instant deadline = Instant.now().plus(wait.compareTo(SUMMARY_WAIT) < 0 ? wait : SUMMARY_WAIT);
        Map<String, Pairing> pairings = pairAll(vms, probes, closedAtAccept, records, attaches);
        while (Instant.now().isBefore(deadline)
                && pairings.values().stream()
                        .anyMatch(p -> !p.unclaimed().isEmpty() || p.closes().unrecorded())) {
            pause();
            records.clear();
            attaches.clear();
            read(records, attaches, lastPolicy);
            pairings = pairAll(vms, probes, closedAtAccept, records, attaches);
        }
        pairings.forEach((vm, pairing) -> matchVm(log, vm, pairing));
        policyLoaded(log, lastPolicy[0]);
        long lastSeq = seqs.values().stream().mapToLong(Long::longValue).max().orElse(startSeq - 1);
        Instant recorded = records.stream()
                .filter(r -> r.seq() == lastSeq)
                .map(AuditRecord::instant)
                .findFirst()
                .orElse(null);
        log.add(new CheckpointCheck(dir, keys, wait, began).judge(lastSeq, recorded));
        verify(log, keys);
    }

    /**
     * The run's decision records into {@code records}, the peer of each session the run saw opened into
     * {@code attaches} (by {@link #sessionKey}), and the last policy load.
     */
    private void read(List<AuditRecord> records, Map<String, String> attaches, AuditRecord[] lastPolicy)
            throws IOException {
        SegmentReader.forEachLine(dir, line -> {
            if (!line.terminated()) {
                return;
            }
            // Most of a long-lived log predates the run: its three header fields tell what to skip.
            Optional<LineHeader> header = LineHeader.parse(line.bytes());
            if (header.isPresent()
                    && header.get().seq() < startSeq
                    && !header.get().type().startsWith("policy_")) {
                return;
            }
            AuditRecord r;
            try {
                r = AuditRecord.parse(line.bytes());
            } catch (IOException e) {
                // Not a record: audit/verify says so. Thrown, it ended the audit checks in the parser's words (a
                // line with zeros: "Invalid UTF-32 character"), with no verdict on the records that are there.
                return;
            }
            if ("policy_load".equals(r.type()) || "policy_reload".equals(r.type())) {
                lastPolicy[0] = r;
            }
            if (r.seq() >= startSeq && r.isDecision()) {
                records.add(r);
            }
            if (r.seq() >= startSeq && SESSION_ATTACH.equals(r.type()) && r.session() != null) {
                SuitePeers.peer(r.detail()).ifPresent(peer -> attaches.put(sessionKey(r.vm(), r.session()), peer));
            }
        });
    }

    /** A probe and its records: the decision (or intent) and, for a change that failed, its outcome. */
    private record Paired(Probe probe, AuditRecord first, AuditRecord last) {}

    /** One VM's probes paired with their records; {@code unclaimed} have none, not even in a refusal summary. */
    private record Pairing(
            boolean attached,
            boolean sessionFound,
            int required,
            List<Paired> pairs,
            Map<Probe, Long> summarized,
            Map<Probe, AuditRecord> summarizedLoosely,
            List<Probe> unclaimed,
            RecordedCloses closes) {}

    /**
     * Finds each probe's record: the suite's session is the one whose walk to the run's unique "hello" name is
     * in the log; then, per tag, records and probes pair up in order, by operation and path. A change is
     * recorded before the host is touched ("phase=intent"); if it then fails, an outcome record with the real
     * errno follows, and that is the errno compared. A refusal repeated within the gateway's refusal window has
     * no record of its own but is counted by a summary record ({@link RefusalSummaries}).
     */
    private static Pairing pair(
            String vm,
            List<Probe> probes,
            int closedAtAccept,
            List<AuditRecord> records,
            Map<String, String> attaches) {
        List<Probe> wanted = probes.stream().filter(p -> p.mode() != null).toList();
        Map<Integer, Long> sessions = new HashMap<>();
        boolean attached = false;
        for (Probe p : wanted) {
            if (p.op().equals("walk")
                    && p.path().endsWith("-hello-" + p.connection())
                    && !sessions.containsKey(p.connection())) {
                attached = true;
                records.stream()
                        .filter(r -> vm.equals(r.vm())
                                && "walk".equals(r.op())
                                && p.path().equals(r.path())
                                && r.tag() != null
                                && r.tag() == p.tag())
                        .findFirst()
                        .ifPresent(r -> sessions.put(p.connection(), r.session()));
            }
        }
        Map<String, List<AuditRecord>> byTag = new HashMap<>();
        for (AuditRecord r : records) {
            if (vm.equals(r.vm()) && sessions.containsValue(r.session()) && r.tag() != null) {
                byTag.computeIfAbsent(r.session() + "/" + r.tag(), k -> new ArrayList<>())
                        .add(r);
            }
        }
        Map<String, Integer> cursor = new HashMap<>();
        List<Paired> pairs = new ArrayList<>();
        List<Probe> unmatched = new ArrayList<>();
        int required = 0;
        for (Probe p : wanted) {
            Long session = sessions.get(p.connection());
            if (p.mode() == AuditMode.REQUIRED) {
                required++;
            }
            if (session == null) {
                continue;
            }
            String key = session + "/" + p.tag();
            List<AuditRecord> queue = byTag.getOrDefault(key, List.of());
            int from = cursor.getOrDefault(key, 0);
            int at = -1;
            for (int i = from; i < queue.size(); i++) {
                // A path past 4,095 bytes is recorded abbreviated (docs/audit-format.md): compared in that form.
                if (queue.get(i).op().equals(p.op())
                        && AbbreviatedPath.names(queue.get(i).path(), p.path())) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                if (p.mode() == AuditMode.REQUIRED) {
                    unmatched.add(p);
                }
                continue;
            }
            AuditRecord first = queue.get(at);
            AuditRecord last = first;
            int next = at + 1;
            if (AuditRecord.hasDetailWord(first.detail(), "phase=intent")) {
                for (int i = at + 1; i < queue.size(); i++) {
                    AuditRecord r = queue.get(i);
                    if (AuditRecord.hasDetailWord(r.detail(), "intent=" + first.seq())) {
                        last = r;
                        next = i + 1;
                        break;
                    }
                }
            }
            cursor.put(key, next);
            pairs.add(new Paired(p, first, last));
        }
        Map<Probe, Long> summarized = new IdentityHashMap<>();
        Map<Probe, AuditRecord> loosely = new IdentityHashMap<>();
        List<Probe> unclaimed = new RefusalSummaries(vm, records).claim(unmatched, summarized, loosely);
        return new Pairing(
                attached,
                !sessions.isEmpty(),
                required,
                pairs,
                summarized,
                loosely,
                unclaimed,
                RecordedCloses.of(
                        vm,
                        closedAtAccept,
                        records,
                        SuitePeers.of(sessions.values().stream()
                                .map(s -> attaches.get(sessionKey(vm, s)))
                                .filter(Objects::nonNull)
                                .toList())));
    }

    /** A session of a VM, as {@code attaches} knows it. */
    private static String sessionKey(String vm, long session) {
        return vm + "/" + session;
    }

    /** Each VM's probes paired with the records read so far, in the order of {@code vms}. */
    private static Map<String, Pairing> pairAll(
            List<String> vms,
            List<Probe> probes,
            Map<String, Integer> closedAtAccept,
            List<AuditRecord> records,
            Map<String, String> attaches) {
        Map<String, Pairing> out = new LinkedHashMap<>();
        for (String vm : vms) {
            List<Probe> own = probes.stream().filter(p -> p.vm().equals(vm)).toList();
            out.put(vm, pair(vm, own, closedAtAccept.getOrDefault(vm, 0), records, attaches));
        }
        return out;
    }

    private void matchVm(CheckLog log, String vm, Pairing pairing) {
        List<String> problems = new ArrayList<>();
        // First: a close the gateway did not record is what turned the checks it skipped or retried into no FAIL.
        Optional<String> unrecordedCloses = pairing.closes().problem(vm);
        unrecordedCloses.ifPresent(problems::add);
        for (Paired p : pairing.pairs()) {
            seqs.put(p.probe(), p.first().seq());
            String problem = compare(p.probe(), p.first(), p.last());
            if (problem != null) {
                problems.add(problem);
            }
        }
        seqs.putAll(pairing.summarized());
        // Counted by a summary of another decision or rule: compared as its own record would be.
        pairing.summarizedLoosely().forEach((p, summary) -> {
            String problem = compare(p, summary, summary);
            if (problem != null) {
                problems.add(problem);
            }
        });
        for (Probe p : pairing.unclaimed()) {
            problems.add("no record of " + p.op() + " " + p.path() + " (tag " + p.tag() + ")");
        }
        int required = pairing.required();
        String title = "every request the suite sent as " + vm + " is in the audit log with its decision and errno";
        if (!pairing.attached()) {
            // Its sessions are told apart in the log by a walk after an attach; with none, its records cannot be
            // told from another session's of the same VM (the live VM's). No request at all: its listener was
            // not reached (plain TCP, vsock), whatever the policy grants it.
            String why = required == 0
                    ? "the suite reached no listener of " + vm + ": no request of the suite's to find in the log"
                    : "the policy lets " + vm + " attach no share: no session of the suite's to find in the log";
            Status status = unrecordedCloses.isPresent() ? Status.FAILED : Status.SKIPPED;
            log.add(result(
                    vm + "/audit/records",
                    vm,
                    "R-AUD-1",
                    title,
                    status,
                    required + " requests",
                    unrecordedCloses.map(c -> c + "; " + why).orElse(why)));
            return;
        }
        String mismatch = recordsMismatch(pairing.sessionFound(), problems);
        Status status = mismatch.isEmpty() ? Status.PASSED : Status.FAILED;
        log.add(result(vm + "/audit/records", vm, "R-AUD-1", title, status, required + " requests", mismatch));
    }

    /** Why the records do not match what the suite sent (the first eight problems), or "" when they do. */
    private static String recordsMismatch(boolean sessionFound, List<String> problems) {
        List<String> all = new ArrayList<>(problems);
        if (!sessionFound) {
            all.addFirst("no record of the suite's session (its first walk, to a name of its own, is not in the log)");
        }
        if (all.isEmpty()) {
            return "";
        }
        return all.size() == 1 && !sessionFound
                ? all.getFirst()
                : all.size() + " mismatches: " + String.join("; ", all.subList(0, Math.min(8, all.size())));
    }

    /**
     * What is wrong with a probe's record, or null. The errno must be what the suite saw; a decision other than
     * the policy's is no fault of the log but of the decision, and goes to the probe's own check.
     */
    private String compare(Probe p, AuditRecord first, AuditRecord last) {
        String what = p.op() + " " + p.path() + " (tag " + p.tag() + ", seq " + first.seq() + ")";
        if (!p.recorded(last.errno())) {
            return what + ": errno " + last.errno() + ", the suite saw " + p.describeSeen();
        }
        // A refusal's record names the rules that decided it (docs/audit-format.md, "rules"): one naming none of the
        // policy's (before, a log whose denials all said "default deny" passed, ComplianceMutantsTest).
        if ("deny".equals(p.decision())
                && "deny".equals(first.decision())
                && !p.refusedBy().isEmpty()
                && (first.rules() == null || first.rules().stream().noneMatch(p.refusedBy()::contains))) {
            return what + ": rules " + (first.rules() == null ? "[]" : first.rules()) + ", the policy refuses it by "
                    + p.refusedBy();
        }
        if (p.decision() != null && !p.decision().equals(first.decision())) {
            contradictions
                    .computeIfAbsent(p.checkId(), k -> new ArrayList<>())
                    .add("the audit log shows " + what
                            + " " + ("deny".equals(first.decision()) ? "denied" : first.decision() + "ed")
                            + " by the gateway, where the policy says " + p.decision()
                            + (p.errnoCode() == 0 ? "" : " (the errno came from the host)"));
        }
        // A refusal made before any policy was asked (an attach name the VM does not have) is recorded with
        // policy "none"; only what the policy decides must carry its digest.
        if (p.mode() == AuditMode.REQUIRED && first.policy() != null && !sameDigest(first.policy(), policyDigest)) {
            otherPolicies.merge(first.policy(), 1, Integer::sum);
        }
        return null;
    }

    /** The gateway runs this policy file: its last (re)load record, and every decision on the suite's requests. */
    private void policyLoaded(CheckLog log, AuditRecord last) {
        String title = "the gateway runs this policy file (sha256 " + policyDigest + "): its last policy load, and "
                + "every decision on the suite's requests";
        String wrong;
        if (last == null) {
            wrong = "no policy_load record in the log";
        } else if (!sameDigest(last.policy(), policyDigest)) {
            wrong = "the gateway loaded policy " + last.policy();
        } else if (!otherPolicies.isEmpty()) {
            wrong = "requests decided by other policies: " + otherPolicies;
        } else {
            wrong = null;
        }
        log.add(result(
                "audit/policy",
                null,
                "R-AUD-1",
                title,
                wrong == null ? Status.PASSED : Status.FAILED,
                last == null ? "" : "record " + last.seq(),
                wrong == null ? "" : wrong));
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** With every key of the log's life: a log signed before a key rotation needs the retired key too. */
    private void verify(CheckLog log, List<VerifierKey> keys) throws IOException {
        VerificationReport report = new Verifier(keys, null, Progress.NONE).verify(dir);
        String summary = report.summary().strip();
        log.add(result(
                "audit/verify",
                null,
                "R-AUD-2",
                "the audit log verifies with the public key" + (publicKeys.size() > 1 ? "s " : " ")
                        + String.join(
                                ", ",
                                publicKeys.stream()
                                        .map(p -> p.getFileName().toString())
                                        .toList()),
                report.ok() ? Status.PASSED : Status.FAILED,
                summary.lines().findFirst().orElse(""),
                report.ok() ? "" : summary.replace('\n', ';')));
    }

    private static boolean sameDigest(String recorded, String digest) {
        String r = recorded.startsWith("sha256:") ? recorded.substring(7) : recorded;
        return r.equalsIgnoreCase(digest);
    }

    private static CheckResult result(
            String id, String vm, String requirement, String title, Status status, String seen, String message) {
        return new CheckResult(id, vm, null, requirement, title, status, "", "", seen, message, List.of());
    }
}
