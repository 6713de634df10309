package io.p9gate.gateway.compliance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every request the suite sent, in order, and how many new connections of each VM the gateway closed at accept, for
 * the audit check.
 */
final class ProbeLog {
    private final List<Probe> probes = new ArrayList<>();
    private final Map<String, Integer> closedAtAccept = new TreeMap<>();

    synchronized void add(Probe probe) {
        probes.add(probe);
    }

    synchronized List<Probe> all() {
        return List.copyOf(probes);
    }

    /** A new connection of {@code vm} closed at accept, taken for its limits.connections ({@link AcceptRefusal}). */
    synchronized void closedAtAccept(String vm) {
        closedAtAccept.merge(vm, 1, Integer::sum);
    }

    /** By VM, how many of its new connections were closed at accept. */
    synchronized Map<String, Integer> closedAtAccept() {
        return Map.copyOf(closedAtAccept);
    }
}
