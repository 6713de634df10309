package io.p9gate.audit.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link AppendBenchmark} and prints the median of the measurement iterations (JMH itself reports the
 * mean). Run with audit/bench.sh.
 */
public final class AuditBenchmarkMain {
    private AuditBenchmarkMain() {}

    public static void main(String[] args) throws RunnerException {
        int iterations = Integer.getInteger("bench.iterations", 7);
        int seconds = Integer.getInteger("bench.seconds", 5);
        List<RunResult> results = new ArrayList<>();
        for (String threads : System.getProperty("bench.threads", "1,4,16").split(",")) {
            Options opts = new OptionsBuilder()
                    .include(AppendBenchmark.class.getName())
                    .threads(Integer.parseInt(threads.trim()))
                    .forks(1)
                    .warmupIterations(3)
                    .warmupTime(TimeValue.seconds(Math.min(3, seconds)))
                    .measurementIterations(iterations)
                    .measurementTime(TimeValue.seconds(seconds))
                    .jvmArgsAppend(
                            "-Xmx1g",
                            "-Dbench.dir=" + System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")))
                    .build();
            results.addAll(new Runner(opts).run());
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-50s %14s %14s %14s%n", "benchmark", "median rec/s", "min rec/s", "max rec/s");
        for (RunResult r : results) {
            double[] scores = r.getBenchmarkResults().stream()
                    .flatMap(b -> b.getIterationResults().stream())
                    .mapToDouble(i -> i.getPrimaryResult().getScore())
                    .sorted()
                    .toArray();
            double median = scores.length % 2 == 1
                    ? scores[scores.length / 2]
                    : (scores[scores.length / 2 - 1] + scores[scores.length / 2]) / 2;
            String name = r.getParams().getBenchmark().replaceFirst(".*\\.", "") + " threads="
                    + r.getParams().getThreads() + " " + r.getParams().getParam("durability");
            System.out.printf(
                    Locale.ROOT, "%-50s %,14.0f %,14.0f %,14.0f%n", name, median, scores[0], scores[scores.length - 1]);
        }
    }
}
