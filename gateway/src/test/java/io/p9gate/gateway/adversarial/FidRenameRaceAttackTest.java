package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-4, races): Trename and Tremove name their file by fid, and the backend found the entry to rename or
 * unlink where the file is <em>when the call runs</em> ({@code ShareRoot.locate}: the remembered path, else the
 * kernel's), not where the request was decided. A file the guest holds a fid on, moved into the guest's hidden
 * {@code /secret} by someone else (the host, or another VM sharing the folder whose policy may file things there)
 * between the decision ({@code pub/f}, allowed) and the call, was renamed out of {@code /secret} to a visible name,
 * or unlinked from it; and the record named {@code pub/f}. No serial order of the two gives that: decided first, the
 * rename takes {@code pub/f} away before the move; moved first, the request is decided on {@code secret/f} and
 * refused. The call must act on the entry the request was decided on, and fail (ENOENT) if the file left it.
 */
class FidRenameRaceAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aFileMovedIntoAHiddenSubtreeAfterTheDecisionIsNotRenamedOrRemovedFromThere() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(share.resolve("pub"));
        Files.createDirectories(share.resolve("secret"));
        Files.writeString(share.resolve("pub/f"), "filed for the host");
        Files.writeString(share.resolve("pub/g"), "filed for the host too");
        Path socket = tmp.resolve("vm.sock");
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        AuditTrail trail = entry -> {
            records.add(entry);
            return records.size();
        };
        FilesDuringDecision policy = new FilesDuringDecision();
        try (ShareServerFactory shares = new ShareServerFactory(Map.of("data", share), policy, trail);
                Gateway _ = Gateway.start(new GatewayConfig(
                        List.of(ListenSpec.parse("unix:" + socket)), shares, GatewayConfig.DEFAULT_MSIZE, 2));
                P9Client guest = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            guest.attach(0, "u", "data", 0);
            guest.walk(0, 1, "pub", "f");
            guest.walk(0, 2, "pub", "g");

            policy.arm(Operation.RENAME, share.resolve("pub/f"), share.resolve("secret/f"));
            P9Exception renamed = assertThrows(
                    P9Exception.class,
                    () -> guest.rpc(new TMessage.Trename(1, 0, "loot")),
                    "the file was renamed out of the hidden subtree");
            assertEquals(Errno.ENOENT, renamed.errno());
            assertNull(policy.armed.get(), "the move happened inside the window");
            assertFalse(Files.exists(share.resolve("loot")));
            assertTrue(Files.exists(share.resolve("secret/f")));

            policy.arm(Operation.REMOVE, share.resolve("pub/g"), share.resolve("secret/g"));
            P9Exception removed =
                    assertThrows(P9Exception.class, () -> guest.remove(2), "the file was unlinked from /secret");
            assertEquals(Errno.ENOENT, removed.errno());
            assertNull(policy.armed.get(), "the move happened inside the window");
            assertTrue(Files.exists(share.resolve("secret/g")));
        }
    }

    /** Hides {@code secret}; once armed, moves a file on the host while it decides the armed operation. */
    private static final class FilesDuringDecision implements AccessPolicy {
        record Move(Operation during, Path from, Path to) {}

        final AtomicReference<Move> armed = new AtomicReference<>();

        void arm(Operation during, Path from, Path to) {
            armed.set(new Move(during, from, to));
        }

        @Override
        public Decision decide(AccessRequest request) {
            if (request.paths().stream().anyMatch(FilesDuringDecision::hidden)) {
                return Decision.deny(Errno.ENOENT, List.of("hidden"));
            }
            Move move = armed.get();
            if (move != null && request.operation() == move.during() && armed.compareAndSet(move, null)) {
                try {
                    Files.move(move.from(), move.to());
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
