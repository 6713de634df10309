package io.p9gate.gateway.compliance;

import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.VmPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The rules of a VM's policy that no check of the suite probes, each as a check skipped with the reason: a report
 * that named only what it probed let its reader believe the whole policy was verified.
 */
final class UnprobedRules {
    /**
     * The limits a probe verifies ({@link ListenerChecks}, {@link BudgetFillCheck}); every other one given is listed
     * here.
     */
    static final List<Limit> PROBED_LIMITS =
            List.of(Limit.CONNECTIONS, Limit.FIDS, Limit.DESCRIPTORS, Limit.XATTR_BYTES);

    private static final Map<Limit, String> WHY = Map.of(
            Limit.OUTSTANDING,
            "backpressure: the gateway stops reading the VM's connections and refuses nothing, so no answer shows it",
            Limit.REPLY_BYTES,
            "backpressure: the gateway stops reading the VM's connections and refuses nothing, so no answer shows it",
            Limit.WEIGHT,
            "scheduling among VMs that compete: no answer shows it (bench/fairness.sh measures it)",
            Limit.LOCKS,
            "reaching it would refuse the live VM's own locks (ENOLCK) while the suite holds it");

    private UnprobedRules() {}

    /**
     * A skipped check for each rule of {@code vm} the suite does not probe.
     *
     * @param clientCertNotProbed why a {@code tls:} VM's pin was not probed ({@link ClientCertChecks}), or null if it was
     */
    static List<CheckResult> of(VmPolicy vm, String clientCertNotProbed) {
        List<CheckResult> out = new ArrayList<>();
        vm.limits().given().forEach((limit, value) -> {
            if (!PROBED_LIMITS.contains(limit)) {
                out.add(skipped(
                        vm.id() + "/limits/" + limit.key(),
                        vm.id(),
                        null,
                        "R-ROB-2",
                        "limits." + limit.key() + ": " + value,
                        WHY.get(limit)));
            }
        });
        switch (vm.listen()) {
            case ListenerSpec.UnixSocket unix
            when !unix.peer().any() ->
                out.add(skipped(
                        vm.id() + "/listener/peer",
                        vm.id(),
                        null,
                        "R-DEP-1",
                        "peer: " + unix.peer().describe() + " (other processes are refused)",
                        "the suite connects as its own process only; a refusal needs a process of another uid/gid"));
            case ListenerSpec.Tls tls
            when clientCertNotProbed != null ->
                out.add(skipped(
                        vm.id() + "/listener/client-cert",
                        vm.id(),
                        null,
                        "R-DEP-1",
                        "client-cert: certificates the VM's pin does not name are refused",
                        clientCertNotProbed));
            default -> {}
        }
        return out;
    }

    /** The policy's hand-written Cedar, when no --tests case exercises it. */
    static List<CheckResult> cedar(List<Path> files, boolean cases) {
        if (files.isEmpty() || cases) {
            return List.of();
        }
        return List.of(skipped(
                "cedar",
                null,
                null,
                "R-POL-2",
                "cedar: " + files.stream().map(p -> p.getFileName().toString()).toList(),
                "hand-written Cedar is exercised only where other probes meet it: give its test cases with --tests"));
    }

    private static CheckResult skipped(
            String id, String vm, String share, String requirement, String title, String reason) {
        return new CheckResult(
                id,
                vm,
                share,
                requirement,
                title,
                Status.SKIPPED,
                "",
                "",
                "",
                "not probed (" + reason + ")",
                List.of());
    }
}
