package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Allows everything; once {@link #armed}, holds the next decision of one operation until the test {@link #released}
 * it: a race of a request with what the test does meanwhile (a Tclunk of its fid, a rename on the host) made
 * deterministic. The request's paths are named before its decision, so what the test changes comes after them.
 */
final class HoldsOneDecision implements AccessPolicy {
    private final Operation op;
    final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch deciding = new CountDownLatch(1);
    final CountDownLatch released = new CountDownLatch(1);

    HoldsOneDecision(Operation op) {
        this.op = op;
    }

    @Override
    public Decision decide(AccessRequest request) {
        if (request.operation() == op && armed.compareAndSet(true, false)) {
            deciding.countDown();
            try {
                released.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return Decision.allow(List.of("test"));
    }
}
