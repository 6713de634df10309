package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.policy.OpKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** R-POL-2: every gateway operation that touches a file asks the policy a question of the right kind. */
class OpKindMappingTest {
    private static Optional<OpKind> kind(Operation op, String detail) {
        return OpKindMapping.of(new AccessRequest("vm", 1, op, "s", List.of("a"), 0, 0, detail));
    }

    @Test
    void openWithWriteIntentIsOpenWrite() {
        assertFalse(OpKindMapping.writeIntent("flags=0x0"), "O_RDONLY");
        assertTrue(OpKindMapping.writeIntent("flags=0x1"), "O_WRONLY");
        assertTrue(OpKindMapping.writeIntent("flags=0x2"), "O_RDWR");
        assertTrue(OpKindMapping.writeIntent("flags=0x200"), "O_TRUNC");
        assertTrue(OpKindMapping.writeIntent("flags=0x400"), "O_APPEND");
        assertTrue(OpKindMapping.writeIntent("flags=0x41 mode=644"), "create detail");
        assertTrue(OpKindMapping.writeIntent("garbage"), "unreadable flags count as a write");
        assertTrue(OpKindMapping.writeIntent("flags=0xzz"), "unreadable flags count as a write");
        assertEquals(Optional.of(OpKind.OPEN_READ), kind(Operation.OPEN, "flags=0x0"));
        assertEquals(Optional.of(OpKind.OPEN_WRITE), kind(Operation.OPEN, "flags=0x2"));
    }

    @Test
    void readsAndWritesOnXattrFidsAreXattrKinds() {
        assertEquals(Optional.of(OpKind.XATTR_READ), kind(Operation.READ, "xattr user.a"));
        assertEquals(Optional.of(OpKind.XATTR_WRITE), kind(Operation.WRITE, "xattr user.a"));
        assertEquals(Optional.of(OpKind.OPEN_READ), kind(Operation.READ, "offset=0"));
        assertEquals(Optional.of(OpKind.OPEN_WRITE), kind(Operation.WRITE, "offset=0"));
    }

    @Test
    void onlyAuthAndClunkAreNotPolicyQuestionsAndEveryKindIsAsked() {
        Set<OpKind> asked = EnumSet.noneOf(OpKind.class);
        for (Operation op : Operation.values()) {
            Optional<OpKind> k = kind(op, "flags=0x0");
            assertEquals(op == Operation.AUTH || op == Operation.CLUNK, k.isEmpty(), op.name());
            k.ifPresent(asked::add);
        }
        asked.add(OpKind.OPEN_WRITE); // reached with write flags, checked above
        asked.add(OpKind.XATTR_READ);
        assertEquals(EnumSet.allOf(OpKind.class), asked);
    }
}
