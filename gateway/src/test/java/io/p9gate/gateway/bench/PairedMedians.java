package io.p9gate.gateway.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rounds of an A/B benchmark: per operation, one (off, on) pair of ns/op per round, reported as the
 * medians of each side and their ratio. Rounds alternate the two sides, so machine noise hits both alike.
 */
final class PairedMedians<K extends Enum<K>> {
    private final Map<K, List<double[]>> samples;

    PairedMedians(Class<K> ops) {
        samples = new EnumMap<>(ops);
    }

    void add(K op, double off, double on) {
        samples.computeIfAbsent(op, o -> new ArrayList<>()).add(new double[] {off, on});
    }

    /** One line per operation: median off, median on, ratio. */
    void print(String offLabel, String onLabel) {
        System.out.printf(Locale.ROOT, "%-14s %14s %14s %8s%n", "operation", offLabel, onLabel, "ratio");
        for (var e : samples.entrySet()) {
            double off = median(e.getValue().stream().mapToDouble(s -> s[0]).toArray());
            double on = median(e.getValue().stream().mapToDouble(s -> s[1]).toArray());
            System.out.printf(Locale.ROOT, "%-14s %,14.0f %,14.0f %8.2f%n", e.getKey(), off, on, on / off);
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
