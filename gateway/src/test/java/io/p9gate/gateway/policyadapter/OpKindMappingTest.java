package io.p9gate.gateway.policyadapter;

import static io.p9gate.gateway.backend.LinuxSyscalls.O_APPEND;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_RDONLY;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_RDWR;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_TRUNC;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_WRONLY;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_UNLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.policy.terms.OpKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** R-POL-2: every gateway operation that touches a file asks the policy questions of the right kind. */
class OpKindMappingTest {
    @Test
    void openWithWriteIntentIsOpenWrite() {
        assertEquals(List.of(OpKind.OPEN_READ), OpKindMapping.of(Operation.OPEN, new RequestArgs.Open(O_RDONLY)));
        assertEquals(List.of(OpKind.OPEN_WRITE), OpKindMapping.of(Operation.OPEN, new RequestArgs.Open(O_RDWR)));
        assertEquals(
                List.of(OpKind.OPEN_WRITE),
                OpKindMapping.of(Operation.OPEN, new RequestArgs.Open(O_RDONLY | O_APPEND)));
    }

    @Test
    void anOpenWithoutItsTypedFlagsIsAskedAsWriting() {
        assertEquals(List.of(OpKind.OPEN_WRITE), OpKindMapping.of(Operation.OPEN, RequestArgs.NONE));
        assertEquals(List.of(OpKind.CREATE, OpKind.OPEN_WRITE), OpKindMapping.of(Operation.CREATE, RequestArgs.NONE));
    }

    @Test
    void aCreateWithoutOExclIsAlsoTheOpenItsFlagsAskFor() {
        assertEquals(
                List.of(OpKind.CREATE),
                OpKindMapping.of(Operation.CREATE, new RequestArgs.Create("a", O_WRONLY | O_TRUNC, 0644, true)),
                "O_EXCL: only ever a new file");
        assertEquals(
                List.of(OpKind.CREATE, OpKind.OPEN_WRITE),
                OpKindMapping.of(Operation.CREATE, new RequestArgs.Create("a", O_WRONLY | O_TRUNC, 0644, false)));
        assertEquals(
                List.of(OpKind.CREATE, OpKind.OPEN_READ),
                OpKindMapping.of(Operation.CREATE, new RequestArgs.Create("a", O_RDONLY, 0644, false)));
    }

    @Test
    void readsAndWritesOnXattrFidsAreXattrKinds() {
        assertEquals(
                List.of(OpKind.XATTR_READ), OpKindMapping.of(Operation.READ, new RequestArgs.XattrIo("user.a", 0)));
        assertEquals(
                List.of(OpKind.XATTR_WRITE), OpKindMapping.of(Operation.WRITE, new RequestArgs.XattrIo("user.a", 0)));
        assertEquals(List.of(OpKind.OPEN_READ), OpKindMapping.of(Operation.READ, new RequestArgs.FileIo(0)));
        assertEquals(List.of(OpKind.OPEN_WRITE), OpKindMapping.of(Operation.WRITE, new RequestArgs.FileIo(0)));
    }

    @Test
    void aWriteLockAlsoAsksOpenWriteWhateverItsFidsOpen() {
        assertEquals(
                List.of(OpKind.LOCK, OpKind.OPEN_WRITE),
                OpKindMapping.of(Operation.LOCK, new RequestArgs.Lock(LOCK_TYPE_WRLCK, 0, 0, "vm", true)));
        assertEquals(
                List.of(OpKind.LOCK, OpKind.OPEN_WRITE),
                OpKindMapping.of(Operation.LOCK, new RequestArgs.Lock(LOCK_TYPE_WRLCK, 0, 0, "vm")),
                "through a fid open for writing: its write access may have gone since the open");
        for (int type : new int[] {LOCK_TYPE_RDLCK, LOCK_TYPE_UNLCK}) {
            assertEquals(
                    List.of(OpKind.LOCK),
                    OpKindMapping.of(Operation.LOCK, new RequestArgs.Lock(type, 0, 0, "vm")),
                    "a read lock or an unlock: the lock alone, one question");
        }
        assertEquals(
                List.of(OpKind.LOCK),
                OpKindMapping.of(Operation.GETLOCK, new RequestArgs.Lock(LOCK_TYPE_WRLCK, 0, 0, "vm")),
                "a Tgetlock holds nothing");
    }

    @Test
    void onlyAuthAndClunkAreNotPolicyQuestionsAndEveryKindIsAsked() {
        Set<OpKind> asked = EnumSet.noneOf(OpKind.class);
        for (Operation op : Operation.values()) {
            RequestArgs args = switch (op) {
                case OPEN -> new RequestArgs.Open(O_RDONLY);
                case CREATE -> new RequestArgs.Create("a", O_RDWR, 0644, false);
                default -> RequestArgs.NONE;
            };
            List<OpKind> kinds = OpKindMapping.of(op, args);
            assertEquals(op == Operation.AUTH || op == Operation.CLUNK, kinds.isEmpty(), op.name());
            asked.addAll(kinds);
        }
        asked.add(OpKind.XATTR_READ); // reached on xattr fids, checked above
        assertEquals(EnumSet.allOf(OpKind.class), asked);
    }
}
