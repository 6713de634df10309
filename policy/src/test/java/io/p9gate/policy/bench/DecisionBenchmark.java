package io.p9gate.policy.bench;

import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Policy decision latency, warm (DESIGN §5: p99 <= 20 µs). Sample-time mode reports percentiles.
 * Requests cycle over a realistic mix on the infotainment sample (fast path), the same mix through
 * Cedar directly (the reference), and the telematics sample (hand-written Cedar: cached Cedar).
 * Run: see docs/performance.md.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class DecisionBenchmark {

    private static final Path SAMPLES = Path.of(System.getProperty("p9gate.policies", "policies"));

    private PolicyEngine infotainment;
    private PolicyEngine telematics;
    private DecisionRequest[] mix;
    private DecisionRequest[] otaMix;
    private int i;

    @Setup
    public void setUp() throws Exception {
        infotainment = PolicyEngine.load(SAMPLES.resolve("infotainment.yaml"));
        telematics = PolicyEngine.load(SAMPLES.resolve("telematics.yaml"));
        String deep = "/cache/z14/8712/5523/a/b/c/d/e/f/g/h/i/j/k/tile.png"; // 16 segments: 18 Cedar entities
        mix = new DecisionRequest[] {
            DecisionRequest.of("infotainment", "media", OpKind.OPEN_READ, "/music/album/track01.flac"),
            DecisionRequest.of("infotainment", "media", OpKind.WALK, "/music/album"),
            DecisionRequest.of("infotainment", "maps", OpKind.OPEN_WRITE, "/base/eu/tiles.db"),
            DecisionRequest.of("infotainment", "maps", OpKind.CREATE, deep),
            DecisionRequest.of("infotainment", "maps", OpKind.WALK, "/calibration/radar.bin"),
            DecisionRequest.twoPath("infotainment", "maps", OpKind.RENAME, "/cache/a.tmp", "/cache/a.png"),
            DecisionRequest.of("infotainment", "logs", OpKind.OPEN_WRITE, "/infotainment/hmi.log"),
            DecisionRequest.of("infotainment", "logs", OpKind.READDIR, "/"),
        };
        otaMix = new DecisionRequest[1024];
        for (int k = 0; k < otaMix.length; k++) {
            otaMix[k] = new DecisionRequest(
                    "telematics",
                    "ota",
                    k % 2 == 0 ? OpKind.CREATE : OpKind.OPEN_READ,
                    SharePath.of("/staging/pkg" + (k % 256) + "/part" + k),
                    null,
                    k % 3 == 0 ? 0 : 1000,
                    1000);
        }
    }

    @Benchmark
    public PolicyDecision fastPath() {
        return infotainment.decide(mix[i++ & 7]);
    }

    @Benchmark
    public PolicyDecision cedarReference() {
        return infotainment.decideWithCedar(mix[i++ & 7]);
    }

    /** Hand-written Cedar present: Cedar behind the decision cache, 1024 distinct requests (all hits once warm). */
    @Benchmark
    public PolicyDecision cachedCedar() {
        return telematics.decide(otaMix[i++ & 1023]);
    }
}
