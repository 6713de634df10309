package io.p9gate.policy.cli.replay;

import io.p9gate.policy.terms.OpKind;
import java.util.List;

/**
 * Which policy questions a recorded request asked, from its {@code action=} (the gateway's {@code fs.Operation}
 * in lower case) and its detail. This is the gateway's {@code policyadapter.OpKindMapping} read back from a record:
 * the two must agree (the gateway's {@code PolicyReplayTest} replays a recorded session under its own policy and
 * expects every decision re-decided, and none changed).
 */
final class RecordedKinds {
    /** Linux open(2) flags as the records write them (host flags, after the 9P ones were translated). */
    private static final int O_ACCMODE = 3;

    private static final int O_TRUNC = 0x200;
    private static final int O_APPEND = 0x400;

    private RecordedKinds() {}

    /** What a record's action asked, if it can be told. */
    sealed interface Kinds {
        /** The kinds asked, in the gateway's order; none for Tauth and Tclunk, which touch no file. */
        record Asked(List<OpKind> kinds) implements Kinds {}

        /** The action is known but its detail lacks what decides the kind (an open's flags). */
        record Incomplete(String missing) implements Kinds {}

        /** Not an action of this gateway (a newer gateway's, or a doctored record). */
        record Unknown() implements Kinds {}
    }

    static Kinds of(String action, RecordedDetail detail) {
        return switch (action) {
            case "auth", "clunk" -> new Kinds.Asked(List.of());
            case "attach", "walk" -> one(OpKind.WALK);
            case "open", "create" ->
                detail.openFlags()
                        .<Kinds>map(flags -> new Kinds.Asked(opened(action, detail, opens(flags))))
                        .orElse(new Kinds.Incomplete("its open flags"));
            case "read" -> one(detail.movesXattr() ? OpKind.XATTR_READ : OpKind.OPEN_READ);
            case "write" -> one(detail.movesXattr() ? OpKind.XATTR_WRITE : OpKind.OPEN_WRITE);
            case "fsync" -> one(OpKind.OPEN_WRITE);
            case "xattr_get", "xattr_list" -> one(OpKind.XATTR_READ);
            case "xattr_create", "xattr_commit" -> one(OpKind.XATTR_WRITE);
            case "getlock" -> one(OpKind.LOCK);
            // The others ask the kind of their own name: remove, statfs, symlink, mknod, mkdir, link, rename,
            // readlink, getattr, setattr, readdir, lock.
            default -> OpKind.parse(action).<Kinds>map(RecordedKinds::one).orElse(new Kinds.Unknown());
        };
    }

    /**
     * Tlcreate without O_EXCL opens the file if the name exists, so it is also asked as the open its flags ask
     * for; an exclusive one only as a create.
     */
    private static List<OpKind> opened(String action, RecordedDetail detail, OpKind open) {
        if (action.equals("open")) {
            return List.of(open);
        }
        return detail.exclusive() ? List.of(OpKind.CREATE) : List.of(OpKind.CREATE, open);
    }

    private static Kinds one(OpKind kind) {
        return new Kinds.Asked(List.of(kind));
    }

    /** An open that may change the file (write access, O_TRUNC, O_APPEND) is asked as OPEN_WRITE. */
    private static OpKind opens(int hostFlags) {
        boolean writes = (hostFlags & O_ACCMODE) != 0 || (hostFlags & (O_TRUNC | O_APPEND)) != 0;
        return writes ? OpKind.OPEN_WRITE : OpKind.OPEN_READ;
    }
}
