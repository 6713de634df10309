package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (R-AUD-1, R-POL-5, R-ROB-2): Txattrcreate sequences a guest can send but the Linux client never does. A
 * value is committed at the clunk only if every byte Txattrcreate announced was written: not when fewer were, nor
 * when only its tail was (the bytes never written would be committed as zeros the guest never sent, and recorded
 * as the value it set). Names outside {@code user.}, the gateway's own records and sizes past what the host takes
 * are refused at Txattrcreate, before any memory is held. Each refusal is recorded.
 */
class XattrCreateSequenceAttackTest {
    private static final byte[] AB = "ab".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void onlyAWhollyWrittenValueIsCommitted(Mode mode) throws Exception {
        ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
        try (gw;
                P9Client alpha = gw.alpha()) {
            alpha.attach(0, "u", "data", 0);

            alpha.walk(0, 1, "f");
            alpha.rpc(new TMessage.Txattrcreate(1, "user.tail", 4, 0));
            assertEquals(2, alpha.write(1, 2, AB));
            assertEquals(Errno.EINVAL, refused(() -> alpha.clunk(1)), "only the last 2 of 4 bytes were written");

            alpha.walk(0, 2, "f");
            alpha.rpc(new TMessage.Txattrcreate(2, "user.twice", 4, 0));
            assertEquals(2, alpha.write(2, 2, AB));
            assertEquals(2, alpha.write(2, 2, AB));
            assertEquals(Errno.EINVAL, refused(() -> alpha.clunk(2)), "the same 2 bytes twice are not 4");

            alpha.walk(0, 3, "f");
            alpha.rpc(new TMessage.Txattrcreate(3, "user.none", 4, 0));
            assertEquals(Errno.EINVAL, refused(() -> alpha.clunk(3)), "clunked without a write");

            alpha.walk(0, 4, "f");
            alpha.rpc(new TMessage.Txattrcreate(4, "user.more", 2, 0));
            assertEquals(Errno.EFBIG, refused(() -> alpha.write(4, 0, "abc".getBytes(StandardCharsets.US_ASCII))));
            assertEquals(Errno.EFBIG, refused(() -> alpha.write(4, 1, AB)), "past the end by one");
            assertEquals(Errno.EINVAL, refused(() -> alpha.clunk(4)), "nothing of it was taken");

            alpha.walk(0, 5, "f");
            alpha.rpc(new TMessage.Txattrcreate(5, "user.whole", 4, 0));
            assertEquals(2, alpha.write(5, 2, AB), "out of order");
            assertEquals(2, alpha.write(5, 0, AB));
            alpha.clunk(5);

            for (String name : List.of(
                    "security.capability",
                    "trusted.overlay.opaque",
                    "system.posix_acl_access",
                    "system.posix_acl_default",
                    "user.p9gate.uid")) {
                alpha.walk(0, 6, "f");
                Errno errno = refused(() -> alpha.rpc(new TMessage.Txattrcreate(6, name, 2, 0)));
                assertEquals(name.startsWith("user.") ? Errno.EPERM : Errno.EOPNOTSUPP, errno, name);
                alpha.clunk(6);
            }
            for (long size : new long[] {64 * 1024 + 1, Integer.MAX_VALUE + 1L, Long.MAX_VALUE, -1}) {
                alpha.walk(0, 6, "f");
                assertEquals(
                        Errno.E2BIG,
                        refused(() -> alpha.rpc(new TMessage.Txattrcreate(6, "user.huge", size, 0))),
                        Long.toUnsignedString(size));
                alpha.clunk(6);
            }
        }
        UserDefinedFileAttributeView view =
                Files.getFileAttributeView(tmp.resolve("shares/data/f"), UserDefinedFileAttributeView.class);
        assertEquals(List.of("whole"), view.list(), "only the wholly written value was set");
        java.nio.ByteBuffer value = java.nio.ByteBuffer.allocate(view.size("whole"));
        view.read("whole", value);
        assertEquals("abab", new String(value.array(), StandardCharsets.US_ASCII));

        // Each commit is an intent; each refused one has its failure outcome (EINVAL) pointing at it.
        List<AuditEntry> commits = gw.trail.decisions.stream()
                .filter(e -> e.request().operation() == Operation.XATTR_COMMIT)
                .toList();
        assertEquals(
                5, commits.stream().filter(e -> e.phase() == RecordPhase.INTENT).count(), "" + commits);
        assertEquals(
                List.of(Errno.EINVAL, Errno.EINVAL, Errno.EINVAL, Errno.EINVAL),
                commits.stream()
                        .filter(e -> e.phase() == RecordPhase.OUTCOME)
                        .map(e -> e.outcome().errno())
                        .toList());
        assertEquals(
                9,
                gw.trail.decisions.stream()
                        .filter(e -> e.request().operation() == Operation.XATTR_CREATE
                                && e.outcome().errno() != null)
                        .count(),
                "each refused Txattrcreate recorded");
    }

    private static Errno refused(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
