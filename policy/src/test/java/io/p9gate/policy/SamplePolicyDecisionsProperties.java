package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * On the shipped sample policies, what the gateway is served ({@link PolicyEngine#decide}: fast path,
 * or cached Cedar for telematics) equals Cedar's answer, for single- and two-path requests whose paths
 * are built from the names the policies themselves use.
 */
class SamplePolicyDecisionsProperties {

    private static final Map<String, PolicyEngine> ENGINES = load();

    private static Map<String, PolicyEngine> load() {
        Map<String, PolicyEngine> out = new java.util.TreeMap<>();
        for (String name : List.of("infotainment", "instrument-cluster", "adas", "telematics")) {
            try {
                out.put(name, PolicyEngine.load(Path.of("..", "policies", name + ".yaml")));
            } catch (PolicyLoadException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return out;
    }

    @Property(tries = 300)
    void servedDecisionEqualsCedar(@ForAll("requests") DecisionRequest request) {
        boolean allowedSomewhere = false;
        for (PolicyEngine e : ENGINES.values()) {
            PolicyDecision reference = e.decideWithCedar(request);
            assertEquals(reference, e.decide(request), request::toString);
            assertEquals(reference, e.decide(request), "second (cached) answer: " + request);
            allowedSomewhere |= reference.allowed();
        }
        Statistics.label("allowed").collect(allowedSomewhere);
        Statistics.label("allowed").coverage(c -> c.check(true).percentage(p -> p > 5));
    }

    @Provide
    Arbitrary<DecisionRequest> requests() {
        TreeSet<String> vms = new TreeSet<>();
        TreeSet<String> shares = new TreeSet<>();
        TreeSet<String> names = new TreeSet<>(List.of("x", "a.log", "evil.sh", "tmp.json"));
        for (PolicyEngine e : ENGINES.values()) {
            for (VmPolicy vm : e.policy().vms().values()) {
                vms.add(vm.id());
                for (SharePolicy s : vm.shares().values()) {
                    shares.add(s.name());
                    s.readOnly().forEach(t -> names.addAll(t.path().segments()));
                    s.hidden().forEach(t -> names.addAll(t.path().segments()));
                    s.rules()
                            .forEach(r -> r.paths()
                                    .forEach(p -> names.addAll(p.prefix().stream()
                                            .filter(g -> !g.contains("*"))
                                            .toList())));
                }
            }
        }
        Arbitrary<String> path =
                Arbitraries.of(new ArrayList<>(names)).list().ofMaxSize(4).map(s -> "/" + String.join("/", s));
        return Combinators.combine(
                        Arbitraries.of(new ArrayList<>(vms)),
                        Arbitraries.of(new ArrayList<>(shares)),
                        Arbitraries.of(OpKind.class),
                        path,
                        path,
                        Arbitraries.of(0L, 1000L))
                .as((vm, share, op, p, d, uid) -> new DecisionRequest(
                        vm, share, op, SharePath.of(p), op.hasDestination() ? SharePath.of(d) : null, uid, uid));
    }
}
