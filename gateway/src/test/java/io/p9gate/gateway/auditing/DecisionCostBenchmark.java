package io.p9gate.gateway.auditing;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.Durability;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.Outcome;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.policyadapter.PolicyAccess;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.policy.PolicyEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the policy decision and the audit record of one request of the meta workload cost (issue 11,
 * docs/performance.md "The decision and the record of one meta request"): {@code decide} is the gateway's
 * {@link PolicyAccess#decide} as the choke point calls it (kinds, Cedar request, the fast evaluator, host ids),
 * {@code build} the record object ({@link DecisionRecords#of}), {@code append} the whole record through {@link
 * SignedAuditTrail} into a real log (encoding, hashes, one {@code write(2)}; written, not synced: the intents' fsync
 * is measured elsewhere). Each cycles over 256 files, so the adapter's memo of the last question never answers (the
 * meta workload never asks the same question twice in a row). In this package for {@link DecisionRecords}.
 * Run: see docs/performance.md.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class DecisionCostBenchmark {
    /** {@code bench}: bench/policy/bench.yaml, the workload in the share's root; {@code infotainment}: the maps share's cache. */
    @Param({"bench", "infotainment"})
    public String policy;

    @Param({"walk", "lcreate", "getattr", "unlinkat", "lcreate-open"})
    public String op;

    private static final int FILES = 256;
    private Path work;
    private PolicyAccess access;
    private AccessRequest[] requests;
    private AuditEntry[] entries;
    private AuditLog log;
    private SignedAuditTrail trail;
    private int i;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        work = Files.createTempDirectory("decision-cost");
        Path repo = Path.of(System.getProperty("p9gate.repo", "."));
        String vm;
        String share;
        String dir;
        Path policyFile;
        if (policy.equals("bench")) {
            vm = "bench";
            share = "share";
            dir = "meta-1";
            policyFile = work.resolve("bench.yaml");
            Files.writeString(
                    policyFile,
                    Files.readString(repo.resolve("bench/policy/bench.yaml"))
                            .replace("@WORK@", work.toString())
                            .replace("@SHARE@", share)
                            .replace("@DIR@", work.resolve("share").toString()));
        } else {
            vm = "infotainment";
            share = "maps";
            dir = "cache/meta-1";
            policyFile = repo.resolve("policies/infotainment.yaml");
        }
        PolicyEngine engine = PolicyEngine.load(policyFile);
        Path hostDir = engine.policy().vms().get(vm).shares().get(share).hostDir();
        access = new PolicyAccess(
                () -> engine, List.of(new ShareDir(vm, share, hostDir)), IdentityInForce.LISTENER_IS_VM);
        MessageType message = switch (op) {
            case "walk" -> MessageType.TWALK;
            case "lcreate", "lcreate-open" -> MessageType.TLCREATE;
            case "getattr" -> MessageType.TGETATTR;
            case "unlinkat" -> MessageType.TUNLINKAT;
            default -> throw new IllegalArgumentException(op);
        };
        requests = new AccessRequest[FILES];
        entries = new AuditEntry[FILES];
        for (int k = 0; k < FILES; k++) {
            String name = "f" + k;
            // What the load client's meta phases send (uname root, n_uname 0): Tlcreate O_WRONLY|O_CREAT|O_EXCL 0644
            // (host flags without O_EXCL: one question, CREATE). lcreate-open is the Linux client's `echo > f`,
            // O_WRONLY|O_CREAT|O_TRUNC: no O_EXCL, so also the open it may be (two questions, CREATE and OPEN_WRITE).
            RequestArgs args = switch (op) {
                case "walk" -> new RequestArgs.Walk(List.of(name));
                case "lcreate" -> new RequestArgs.Create(name, 01, 0644, true);
                case "lcreate-open" -> new RequestArgs.Create(name, 01001, 0644, false);
                case "getattr" -> RequestArgs.NONE;
                default -> new RequestArgs.Unlink(name, false);
            };
            Operation operation = switch (op) {
                case "walk" -> Operation.WALK;
                case "lcreate", "lcreate-open" -> Operation.CREATE;
                case "getattr" -> Operation.GETATTR;
                default -> Operation.REMOVE;
            };
            requests[k] =
                    new AccessRequest(vm, 1, operation, share, List.of(dir + "/" + name), 0, 0, args, args.describe());
            Decision decision = access.decide(requests[k]);
            if (!decision.allowed()) {
                throw new IllegalStateException(op + " refused under " + policy + ": " + decision);
            }
            entries[k] = new AuditEntry(
                    k, message, requests[k], decision, Outcome.success(0), RecordPhase.DONE, AuditTrail.NO_SEQ);
        }
        log = AuditLog.open(
                Files.createDirectory(work.resolve("audit")),
                SigningKey.generate("bench", new SecureRandom()),
                AuditOptions.defaults("p9gate.bench/audit"));
        trail = new SignedAuditTrail(log, Durability.WRITTEN, RefusalBudget.DEFAULT);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, AuditWriteException {
        trail.close();
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public Decision decide() {
        return access.decide(requests[i++ & (FILES - 1)]);
    }

    @Benchmark
    public AuditEvent.Decision build() {
        return DecisionRecords.of(entries[i++ & (FILES - 1)]);
    }

    @Benchmark
    public long append() throws P9Exception {
        return trail.record(entries[i++ & (FILES - 1)]);
    }
}
