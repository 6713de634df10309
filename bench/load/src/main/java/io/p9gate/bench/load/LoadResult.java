package io.p9gate.bench.load;

import java.util.Locale;

/** One measured workload: {@code value} in {@code unit}, higher is better. */
public record LoadResult(Workload workload, double value, String unit) {

    static LoadResult rate(Workload workload, double amount, long nanos, String unit) {
        double seconds = Math.max(nanos, 1) / 1e9;
        return new LoadResult(workload, amount / seconds, unit);
    }

    /** The line the benchmark scripts collect: {@code RESULT <workload> <value> <unit>}. */
    public String line() {
        return String.format(Locale.ROOT, "RESULT %s %.2f %s", workload.cliName(), value, unit);
    }
}
