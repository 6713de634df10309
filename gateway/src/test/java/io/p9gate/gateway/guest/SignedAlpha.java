package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * {@link PolicyFixture}'s VM alpha (a 100,000-byte quota on /cache, ownership by chown) served in this JVM with a
 * signed audit log in {@code audit/}, for guest runs on alpha's socket; the log is read and verified afterwards.
 */
record SignedAlpha(PolicyFixture fixture, SignedLogs logs) {
    static SignedAlpha in(Path tmp) throws Exception {
        return new SignedAlpha(new PolicyFixture(tmp, "100000"), SignedLogs.in(tmp.resolve("audit")));
    }

    /** What the host does while the guest runs (changes the policy file and reloads {@code holder}, say). */
    interface Alongside {
        void run(PolicyHolder holder) throws Exception;
    }

    /**
     * Once the guest made {@code hold-ready} in the share (it holds what it will use across the change): alpha's
     * policy with {@code readOnly} added to its read-only subtrees and {@code hidden} to its hidden ones, written and
     * reloaded into {@code holder}; then hold-ready is removed and signal/go made. Nothing if the guest did not get
     * there within {@code wait}: its output says why.
     */
    void reloadWhenReady(PolicyHolder holder, Duration wait, String readOnly, String hidden) throws Exception {
        Path ready = fixture.data.resolve("hold-ready");
        Instant until = Instant.now().plus(wait);
        while (!Files.exists(ready)) {
            if (Instant.now().isAfter(until)) {
                return;
            }
            Thread.sleep(50); // the guest is another machine: no latch reaches it
        }
        Files.writeString(
                fixture.policyFile,
                fixture.policy("")
                        .replace("read-only: [/base]", "read-only: [/base, " + readOnly + "]")
                        .replace("hidden: [/secret]", "hidden: [/secret, " + hidden + "]"));
        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, holder.reload());
        Files.delete(ready);
        Files.createFile(fixture.data.resolve("signal/go"));
    }

    /** One guest run against alpha; the gateway and the log are closed when it returns. */
    GuestResult run(GuestHarness harness, String label, GuestRun run) throws Exception {
        return run(harness, label, run, _ -> {});
    }

    /**
     * As {@link #run(GuestHarness, String, GuestRun)}, with {@code alongside} running on another thread while the
     * guest runs; its failure fails the run.
     */
    GuestResult run(GuestHarness harness, String label, GuestRun run, Alongside alongside) throws Exception {
        PolicyHolder holder = fixture.holder();
        try (SignedAuditTrail trail = logs.open();
                ShareServerFactory shares = fixture.shares(holder, OwnershipMode.CHOWN, trail)) {
            trail.lifecycle(new GatewayEvent.Started("sha256:" + label, null));
            try (Gateway _ = Gateway.start(
                    new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 8))) {
                CompletableFuture<Void> host = CompletableFuture.runAsync(() -> {
                    try {
                        alongside.run(holder);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                });
                GuestResult result = harness.run(label, fixture.alphaSocket, run);
                host.get(1, TimeUnit.MINUTES);
                return result;
            }
        }
    }
}
