package io.p9gate.gateway.compliance;

import java.util.ArrayList;
import java.util.List;

/** Every request the suite sent, in order, for the audit check. */
final class ProbeLog {
    private final List<Probe> probes = new ArrayList<>();

    synchronized void add(Probe probe) {
        probes.add(probe);
    }

    synchronized List<Probe> all() {
        return List.copyOf(probes);
    }
}
