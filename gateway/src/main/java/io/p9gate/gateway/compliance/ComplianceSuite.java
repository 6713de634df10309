package io.p9gate.gateway.compliance;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyTestFile;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code p9gate compliance run}: checks a running gateway against a policy file (R-COMP-1). For every VM of the
 * policy it connects to that VM's listener as the VM, and compares each answer with what the policy file says
 * (the {@code policy} module decides every request offline), then reads the audit log back. The checks are
 * listed in docs/compliance.md.
 */
public final class ComplianceSuite implements VmRun.Suite {
    private final SuiteOptions options;
    private final PolicyEngine engine;
    private final CheckLog log;
    private final ProbeLog probes = new ProbeLog();
    private final String token;
    private final AtomicInteger connections = new AtomicInteger();
    private final CaseReplay replay;
    private final StopCleanup stops;

    private ComplianceSuite(SuiteOptions options, PolicyEngine engine, CaseReplay replay, PrintWriter progress) {
        this.options = options;
        this.engine = engine;
        this.replay = replay;
        this.log = new CheckLog(progress);
        this.stops = StopCleanup.install(progress);
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        this.token = "p9gate-compliance-" + HexFormat.of().formatHex(random);
    }

    /**
     * Runs every check and returns the report; progress lines go to {@code progress} as checks finish.
     *
     * @throws IOException              the policy file does not load (its file:line:col message)
     * @throws IllegalArgumentException an option names a VM the policy does not have
     */
    public static SuiteReport run(SuiteOptions options, PrintWriter progress) throws IOException {
        PolicyEngine engine;
        try {
            engine = PolicyEngine.load(options.policy().toAbsolutePath().normalize());
        } catch (PolicyLoadException e) {
            throw new IOException(e.getMessage(), e);
        }
        for (String vm : options.vms()) {
            requireVm(engine, vm, "--vm");
        }
        for (String vm : options.tls().keySet()) {
            requireVm(engine, vm, "--tls-cert");
        }
        CaseReplay replay = null;
        if (options.tests() != null) {
            try {
                replay = new CaseReplay(PolicyTestFile.read(options.tests()));
            } catch (PolicyLoadException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        ComplianceSuite suite = new ComplianceSuite(options, engine, replay, progress);
        try {
            return suite.run();
        } finally {
            suite.stops.finished();
        }
    }

    private static void requireVm(PolicyEngine engine, String vm, String option) {
        if (!engine.policy().vms().containsKey(vm)) {
            throw new IllegalArgumentException(option + " " + vm + ": the policy has no such VM (VMs: "
                    + String.join(", ", engine.policy().vms().keySet()) + ")");
        }
    }

    private SuiteReport run() throws IOException {
        Instant started = Instant.now();
        log.say("p9gate compliance: policy " + options.policy() + " (image "
                + engine.policy().image() + ", sha256 " + engine.digest() + ")");
        AuditChecks audit = null;
        String noAudit = "no --audit-log and --audit-pub given";
        if (options.auditLog() != null) {
            try {
                audit = AuditChecks.begin(options.auditLog(), options.auditPub(), engine.digest(), options.auditWait());
                audit.otherPolicyServed(options.policy()).ifPresent(why -> log.say("p9gate compliance: " + why));
            } catch (IOException e) {
                noAudit = "cannot read the audit log " + options.auditLog() + ": " + e.getMessage();
            }
        }
        List<String> ran = new ArrayList<>();
        for (VmPolicy vm : engine.policy().vms().values()) {
            if (!options.vms().isEmpty() && !options.vms().contains(vm.id())) {
                continue;
            }
            if (stops.stopping()) {
                break;
            }
            ran.add(vm.id());
            VmRun run = new VmRun(this, vm);
            try {
                run.run();
            } catch (IOException e) {
                log.add(new CheckResult(
                        vm.id() + "/session",
                        vm.id(),
                        null,
                        "R-DEP-1",
                        "the session as " + vm.id() + " lasts the whole run",
                        Status.FAILED,
                        "",
                        "",
                        "error",
                        "the connection failed: " + e.getMessage() + "; this VM's remaining checks did not run",
                        List.of()));
            }
            UnprobedRules.of(vm, run.clientCertNotProbed()).forEach(log::add);
        }
        // Before the audit checks: the retry's removals are then in the log they read.
        stops.finished().forEach(log::add);
        UnprobedRules.cedar(engine.policy().cedarFiles(), replay != null).forEach(log::add);
        ProtectedStateChecks.of(engine.policy(), options.maxHostEntries(), line -> log.say("protect: " + line))
                .forEach(log::add);
        if (audit != null) {
            log.say("audit log " + options.auditLog());
            audit.run(log, probes.all(), probes.closedAtAccept(), ran);
        } else {
            for (String id : List.of("records", "policy", "checkpoint", "verify")) {
                log.add(new CheckResult(
                        "audit/" + id,
                        null,
                        null,
                        id.equals("records") || id.equals("policy") ? "R-AUD-1" : "R-AUD-2",
                        "audit: " + id,
                        Status.SKIPPED,
                        "",
                        "",
                        "",
                        noAudit,
                        List.of()));
            }
        }
        List<CheckResult> results = new ArrayList<>();
        for (CheckResult r : log.results()) {
            AuditChecks a = audit;
            if (a == null) {
                results.add(r);
                continue;
            }
            CheckResult withSeqs = r.withAuditSeqs(log.decisiveProbes(r).stream()
                    .flatMap(p -> a.seqOf(p).stream())
                    .toList());
            List<String> against = a.contradictions().getOrDefault(r.id(), List.of());
            if (against.isEmpty() || r.status() == Status.FAILED) {
                results.add(withSeqs);
            } else {
                CheckResult failed = withSeqs.failedBy(against);
                log.sayResult(failed);
                results.add(failed);
            }
        }
        return new SuiteReport(
                options.policy().toAbsolutePath().normalize(),
                engine.policy().image(),
                engine.digest(),
                version(),
                started,
                results);
    }

    /** The version of this installation, which is the gateway's when the suite runs where the gateway does. */
    static String version() {
        String v = ComplianceSuite.class.getPackage().getImplementationVersion();
        return "p9gate " + (v != null ? v : "(development build)");
    }

    @Override
    public PolicyEngine engine() {
        return engine;
    }

    @Override
    public Optional<CaseReplay> replay() {
        return Optional.ofNullable(replay);
    }

    @Override
    public SuiteOptions options() {
        return options;
    }

    @Override
    public CheckLog log() {
        return log;
    }

    @Override
    public ProbeLog probes() {
        return probes;
    }

    @Override
    public String token() {
        return token;
    }

    @Override
    public StopCleanup stops() {
        return stops;
    }

    @Override
    public int nextConnection() {
        return connections.incrementAndGet();
    }
}
