package io.p9gate.policy.terms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.terms.AskedKinds.Asked;
import io.p9gate.policy.terms.AskedKinds.Facts;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one table of which policy kinds a request asks (R-POL-2), as the gateway decides with it and
 * {@code policy replay} re-decides with it.
 */
class AskedKindsTest {
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int O_TRUNC = 0x200;
    private static final int O_APPEND = 0x400;

    @Test
    void anOpenThatMayChangeTheFileIsOpenWrite() {
        assertFalse(new Facts.Opening(O_RDONLY, false).writes(), "O_RDONLY");
        assertTrue(new Facts.Opening(O_WRONLY, false).writes(), "O_WRONLY");
        assertTrue(new Facts.Opening(O_RDWR, false).writes(), "O_RDWR");
        assertTrue(new Facts.Opening(O_TRUNC, false).writes(), "O_TRUNC");
        assertTrue(new Facts.Opening(O_APPEND, false).writes(), "O_APPEND");
        assertEquals(kinds(OpKind.OPEN_READ), AskedKinds.of("open", new Facts.Opening(O_RDONLY, false)));
        assertEquals(kinds(OpKind.OPEN_WRITE), AskedKinds.of("open", new Facts.Opening(O_RDONLY | O_TRUNC, false)));
    }

    @Test
    void aCreateWithoutOExclIsAlsoTheOpenItsFlagsAsk() {
        assertEquals(kinds(OpKind.CREATE), AskedKinds.of("create", new Facts.Opening(O_WRONLY | O_TRUNC, true)));
        assertEquals(
                kinds(OpKind.CREATE, OpKind.OPEN_WRITE),
                AskedKinds.of("create", new Facts.Opening(O_WRONLY | O_TRUNC, false)));
        assertEquals(
                kinds(OpKind.CREATE, OpKind.OPEN_READ), AskedKinds.of("create", new Facts.Opening(O_RDONLY, false)));
    }

    @Test
    void readsAndWritesOfAnXattrValueAreXattrKinds() {
        assertEquals(kinds(OpKind.XATTR_READ), AskedKinds.of("read", new Facts.XattrValue()));
        assertEquals(kinds(OpKind.XATTR_WRITE), AskedKinds.of("write", new Facts.XattrValue()));
        assertEquals(kinds(OpKind.OPEN_READ), AskedKinds.of("read", Facts.NONE));
        assertEquals(kinds(OpKind.OPEN_WRITE), AskedKinds.of("write", Facts.NONE));
    }

    @Test
    void aSetattrThatSetsTheSizeIsAlsoAWrite() {
        assertEquals(kinds(OpKind.SETATTR), AskedKinds.of("setattr", Facts.NONE));
        assertEquals(kinds(OpKind.SETATTR, OpKind.OPEN_WRITE), AskedKinds.of("setattr", new Facts.Resizing()));
    }

    @Test
    void aWriteLockThroughAFidNotOpenForWritingIsAlsoAWrite() {
        assertEquals(kinds(OpKind.LOCK), AskedKinds.of("lock", Facts.NONE));
        assertEquals(kinds(OpKind.LOCK, OpKind.OPEN_WRITE), AskedKinds.of("lock", new Facts.WriteLock()));
        assertEquals(kinds(OpKind.LOCK), AskedKinds.of("getlock", Facts.NONE));
    }

    @Test
    void anFsyncIsAskedAsTheOpenOfItsFid() {
        assertEquals(kinds(OpKind.OPEN_READ), AskedKinds.of("fsync", new Facts.Opening(O_RDONLY, false)));
        assertEquals(kinds(OpKind.OPEN_WRITE), AskedKinds.of("fsync", new Facts.Opening(O_WRONLY, false)));
        assertEquals(kinds(OpKind.OPEN_WRITE), AskedKinds.of("fsync", Facts.NONE), "without its flags: stricter");
    }

    @Test
    void anOpenWithoutItsFlagsCannotBeToldAndAnUnknownActionIsSaidSo() {
        assertInstanceOf(Asked.Incomplete.class, AskedKinds.of("open", Facts.NONE));
        assertInstanceOf(Asked.Incomplete.class, AskedKinds.of("create", Facts.NONE));
        assertInstanceOf(Asked.Unknown.class, AskedKinds.of("frobnicate", Facts.NONE));
        assertInstanceOf(Asked.Unknown.class, AskedKinds.of("WALK", Facts.NONE));
    }

    @Test
    void onlyAuthAndClunkAskNothing() {
        assertEquals(kinds(), AskedKinds.of("auth", Facts.NONE));
        assertEquals(kinds(), AskedKinds.of("clunk", Facts.NONE));
        assertEquals(kinds(OpKind.LOCK), AskedKinds.of("getlock", Facts.NONE));
        assertEquals(kinds(OpKind.WALK), AskedKinds.of("attach", Facts.NONE));
    }

    private static Asked kinds(OpKind... kinds) {
        return new Asked.Kinds(List.of(kinds));
    }
}
