package io.p9gate.gateway.metrics;

/**
 * The upper bounds (seconds) of every latency histogram: 100 µs to 2.5 s, so that a page-cache hit, a disk
 * fsync and a stalled disk each land in a bucket of their own.
 */
final class LatencyBuckets {
    static final double[] SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
    };

    private LatencyBuckets() {}
}
