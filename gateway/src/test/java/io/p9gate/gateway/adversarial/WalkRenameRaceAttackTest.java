package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-4, hidden subtrees): a Twalk is decided on paths computed from the start fid's path
 * by name, then looked up one handle at a time. A ".." climbs from wherever the start directory is <em>when the
 * lookup runs</em>: a guest renaming {@code /pub/x} to {@code /x} between the decision and the lookups makes
 * {@code Twalk(/pub/x/y, "..", "..", "secret")}, decided as {@code /pub/x, /pub, /pub/secret}, land on the hidden
 * {@code /secret}. The guest got the hidden directory's qid (its existence and inode) and a fid on it, and the
 * record named {@code /pub/secret}. Every directory a walk with ".." reaches must be the one its decision named.
 */
class WalkRenameRaceAttackTest {
    private static final int RACE_WALKS = 5000;

    @TempDir
    Path tmp;

    /**
     * Deterministic: the concurrent rename is made to land inside the window (the policy moves the directory on
     * the host while it decides the walk, as a rename served by another worker would).
     */
    @Test
    void aRenameBetweenDecisionAndLookupDoesNotLeadTheWalkIntoAHiddenSubtree() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(share.resolve("pub/x/y"));
        Files.createDirectories(share.resolve("secret"));
        Files.writeString(share.resolve("secret/key"), "s3cret");
        Path socket = tmp.resolve("vm.sock");
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        AuditTrail trail = entry -> {
            records.add(entry);
            return records.size();
        };
        MovesDuringWalkDecision policy = new MovesDuringWalkDecision(share.resolve("pub/x"), share.resolve("x"));
        try (ShareServerFactory shares = new ShareServerFactory(Map.of("data", share), policy, trail);
                Gateway _ = Gateway.start(new GatewayConfig(
                        List.of(ListenSpec.parse("unix:" + socket)), shares, GatewayConfig.DEFAULT_MSIZE, 2));
                P9Client guest = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            guest.attach(0, "u", "data", 0);
            guest.walk(0, 1, "pub", "x", "y");
            policy.armed.set(true);

            P9Exception e = assertThrows(
                    P9Exception.class,
                    () -> guest.walk(1, 2, "..", "..", "secret"),
                    "the walk reached the hidden directory");
            assertEquals(Errno.ENOENT, e.errno());
            assertFalse(policy.armed.get(), "the rename happened inside the window");
            assertEquals(
                    Errno.EBADF,
                    assertThrows(P9Exception.class, () -> guest.getattr(2, 0)).errno(),
                    "no fid was made");
            AuditEntry walk = records.stream()
                    .filter(r -> r.request().operation() == Operation.WALK)
                    .toList()
                    .getLast();
            assertEquals(Errno.ENOENT, walk.outcome().errno(), "the record says the walk failed: " + walk);
            // Without the race, ".." still climbs where it should.
            assertEquals(2, guest.walk(1, 3, "..", "..").size());
        }
    }

    /** The real thing: a second connection of the same VM flips {@code /pub/x <-> /x} while the first walks. */
    @Test
    void racingRenamesNeverShowAHiddenDirectoryToAWalk() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Files.createDirectories(fx.data.resolve("pub/x/y"));
        long hiddenInode = (long) Files.getAttribute(fx.data.resolve("secret"), "unix:ino");
        var holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
                P9Client walker = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 65536);
                P9Client mover = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 65536)) {
            walker.attach(0, "u", "data", 0);
            walker.walk(0, 1, "pub", "x", "y");
            mover.attach(0, "u", "data", 0);
            mover.walk(0, 1, "pub");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> moverFailed = new AtomicReference<>();
            Thread flipper = Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get()) {
                        mover.renameat(1, "x", 0, "x");
                        mover.renameat(0, "x", 1, "x");
                    }
                } catch (Exception e) {
                    moverFailed.set(e);
                }
            });
            List<List<Qid>> leaks = new ArrayList<>();
            try {
                for (int i = 0; i < RACE_WALKS && leaks.isEmpty(); i++) {
                    try {
                        List<Qid> qids = walker.walk(1, 2, "..", "..", "secret");
                        walker.clunk(2);
                        if (qids.size() == 3) {
                            leaks.add(qids);
                        }
                    } catch (P9Exception expected) {
                        // ENOENT: decided after the flip, or the race was noticed
                    }
                }
            } finally {
                stop.set(true);
                flipper.join();
            }
            assertEquals(null, moverFailed.get());
            assertEquals(List.of(), leaks, "hidden /secret is inode " + hiddenInode);
        }
    }

    /** Hides {@code secret} (ENOENT, as a hidden subtree does); once armed, moves a directory while it decides. */
    private static final class MovesDuringWalkDecision implements AccessPolicy {
        final AtomicBoolean armed = new AtomicBoolean();
        private final Path from;
        private final Path to;

        MovesDuringWalkDecision(Path from, Path to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public Decision decide(AccessRequest request) {
            if (request.paths().stream().anyMatch(MovesDuringWalkDecision::hidden)) {
                return Decision.deny(Errno.ENOENT, List.of("hidden"));
            }
            if (request.operation() == Operation.WALK && armed.compareAndSet(true, false)) {
                try {
                    Files.move(from, to);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return Decision.allow(List.of("test"));
        }

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            return !hidden(path);
        }

        private static boolean hidden(String path) {
            return path.equals("secret") || path.startsWith("secret/");
        }
    }
}
