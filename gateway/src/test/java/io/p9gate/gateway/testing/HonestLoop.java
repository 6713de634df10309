package io.p9gate.gateway.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A bystander VM's work, done over and over on a thread of its own while an attack runs: how long each round took
 * and what failed, for a test to bound the bystander's slowest rounds and require none refused.
 */
public final class HonestLoop {
    /** One round of the bystander's work (a new session, say). */
    @FunctionalInterface
    public interface Round {
        void run() throws Exception;
    }

    private final List<Long> millis = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private final Thread thread;

    private HonestLoop(String name, Round round) {
        thread = Thread.ofPlatform().name(name).start(() -> {
            while (running) {
                long start = System.nanoTime();
                try {
                    round.run();
                } catch (Exception | AssertionError e) {
                    failures.add(e);
                }
                millis.add((System.nanoTime() - start) / 1_000_000);
            }
        });
    }

    public static HonestLoop start(String name, Round round) {
        return new HonestLoop(name, round);
    }

    /** Ends the loop after its round in progress. */
    public HonestLoop stop() throws InterruptedException {
        running = false;
        thread.join();
        return this;
    }

    public int rounds() {
        return millis.size();
    }

    /** The slowest round of the 99 fastest in 100. */
    public long p99Millis() {
        List<Long> sorted = new ArrayList<>(millis);
        sorted.sort(null);
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    }

    public List<Throwable> failures() {
        return List.copyOf(failures);
    }

    @Override
    public String toString() {
        return rounds() + " rounds, p99 " + p99Millis() + " ms, " + failures.size() + " failed";
    }
}
