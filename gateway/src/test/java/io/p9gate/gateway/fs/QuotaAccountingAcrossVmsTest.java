package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.QidMapper;
import io.p9gate.gateway.policyadapter.QuotaPolicyRig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quota accounting holds a lock while the backend writes (issue 12 item 8): that lock must be one VM's,
 * never the JVM's, or one VM's slow or stuck write would hold up another VM's requests.
 */
class QuotaAccountingAcrossVmsTest {
    /** Only bounds how long a broken build takes to fail; nothing is asserted about time. */
    private static final long FAILURE_BOUND_SECONDS = 60;

    @TempDir
    Path tmp;

    /**
     * VM alpha's write is stuck inside the backend call, holding its accounting lock on the file. VM beta
     * serves the same host directory as its own share with its own quota scope and writes the same inode (the
     * case a JVM-wide lock, striped or not, keyed by inode cannot tell apart), and a file of its own: both
     * complete while alpha is still inside.
     */
    @Test
    void aWriteStuckInTheBackendHoldsUpNoOtherVm() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path cache = Files.createDirectories(data.resolve("cache"));
        Files.writeString(cache.resolve("shared"), "x");
        Files.writeString(cache.resolve("beta-own"), "x");
        try (QuotaPolicyRig alphaRig = new QuotaPolicyRig(
                        Files.createDirectories(tmp.resolve("alpha")), "alpha", data, "{path: /cache, bytes: 1MiB}");
                QuotaPolicyRig betaRig = new QuotaPolicyRig(
                        Files.createDirectories(tmp.resolve("beta")), "beta", data, "{path: /cache, bytes: 1MiB}");
                LocalShare alphaShare = LocalShare.open("data", data, new QidMapper());
                LocalShare betaShare = LocalShare.open("data", data, new QidMapper());
                Node alphaFile = fileIn(alphaShare, "shared");
                Node betaFile = fileIn(betaShare, "shared");
                Node betaOwn = fileIn(betaShare, "beta-own")) {
            QuotaAccounting alpha = new QuotaAccounting(alphaRig.quotas.of("alpha"));
            QuotaAccounting beta = new QuotaAccounting(betaRig.quotas.of("beta"));
            CountDownLatch alphaInside = new CountDownLatch(1);
            CountDownLatch betaDone = new CountDownLatch(1);
            AtomicBoolean betaWroteWhileAlphaInside = new AtomicBoolean();
            AtomicReference<Throwable> alphaFailed = new AtomicReference<>();

            Thread alphaWrite = Thread.ofPlatform().start(() -> {
                try {
                    alpha.resizing(alphaShare, alphaFile, size -> 100, () -> {
                        alphaInside.countDown();
                        // The backend call does not return until beta has written (or the bound runs out).
                        betaWroteWhileAlphaInside.set(awaitBounded(betaDone));
                        return null;
                    });
                } catch (Throwable t) {
                    alphaFailed.set(t);
                }
            });
            alphaInside.await();
            String sameInode = beta.resizing(betaShare, betaFile, size -> 100, () -> "written");
            String ownFile = beta.resizing(betaShare, betaOwn, size -> 100, () -> "written");
            betaDone.countDown();
            alphaWrite.join();

            assertEquals(null, alphaFailed.get());
            assertEquals("written", sameInode);
            assertEquals("written", ownFile);
            assertTrue(betaWroteWhileAlphaInside.get(), "beta's writes waited for alpha's stuck write");
        }
    }

    private static boolean awaitBounded(CountDownLatch latch) {
        try {
            return latch.await(FAILURE_BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Node fileIn(LocalShare share, String name) throws Exception {
        try (Node root = share.root().root();
                Node cache = share.root().lookup(root, "cache")) {
            return share.root().lookup(cache, name);
        }
    }
}
