package io.p9gate.policy.terms;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Which policy questions a gateway request asks (docs/policy.md, "Operation kinds"): the one table, read by the
 * gateway when it decides and by {@code policy replay} when it re-decides a recorded request. Keyed by the request's
 * action, the name its audit record gives it ({@code action=}: the gateway's {@code fs.Operation} in lower case),
 * and by the typed {@link Facts} that choose between kinds; never by the record's human-readable detail text.
 */
public final class AskedKinds {
    /** Linux open(2) flags, as the gateway passes them to the host (after translating the 9P ones). */
    private static final int O_ACCMODE = 3;

    private static final int O_TRUNC = 0x200;
    private static final int O_APPEND = 0x400;

    private AskedKinds() {}

    /** What a request's arguments say, beyond its action, that chooses its kinds. */
    public sealed interface Facts {
        /**
         * Nothing more: all requests but opens, creates, reads or writes of an xattr's value, resizes and write
         * locks.
         */
        Facts NONE = new Plain();

        /**
         * Tlopen or Tlcreate with these host open(2) flags; {@code exclusive}: a create with O_EXCL (never a
         * Tlopen).
         */
        record Opening(int hostFlags, boolean exclusive) implements Facts {
            /** Whether the open may change the file: write access, O_TRUNC or O_APPEND. */
            public boolean writes() {
                return (hostFlags & O_ACCMODE) != 0 || (hostFlags & (O_TRUNC | O_APPEND)) != 0;
            }
        }

        /** A Tread or Twrite of an extended attribute's value (on a Txattrwalk or Txattrcreate fid), not file data. */
        record XattrValue() implements Facts {}

        /**
         * A Tsetattr (or Twstat) that sets the file's size: a truncate or an extension changes the file's data as a
         * write does (truncate(2) needs write permission), so it is also the write a deny of OPEN_WRITE refuses.
         */
        record Resizing() implements Facts {}

        /**
         * A Tlock of a write lock: it holds the file against every other VM's locks, so it asks the write access now,
         * as NFS asks an exclusive lock to come through an open for writing. Through a fid not open for writing
         * (flock(LOCK_EX) of an O_RDONLY descriptor, which the Linux client sends as fcntl's F_WRLCK) its open
         * asked none; through one open for writing the access may have gone since (a reload), as it has for the
         * fid's Twrites, which ask it each time.
         */
        record WriteLock() implements Facts {}

        /** See {@link #NONE}. */
        record Plain() implements Facts {}
    }

    /** What an action asked, if it can be told. */
    public sealed interface Asked {
        /** The kinds asked, each of which must be allowed; none for Tauth and Tclunk, which touch no file. */
        record Kinds(List<OpKind> kinds) implements Asked {
            public Kinds {
                kinds = List.copyOf(kinds);
            }
        }

        /** The action is known but its facts lack what decides the kind (an open without its flags). */
        record Incomplete(String missing) implements Asked {}

        /** Not an action of this gateway (a newer gateway's, or a doctored record). */
        record Unknown() implements Asked {}
    }

    /** The answers that ask one kind, made once: every request asks (issue 11: no per-request objects). */
    private static final Map<OpKind, Asked> ONE = new EnumMap<>(OpKind.class);

    private static final Asked NONE = new Asked.Kinds(List.of());
    /** A Tsetattr with a size: the attributes, and the write of the data a size change is. */
    private static final Asked RESIZING = new Asked.Kinds(List.of(OpKind.SETATTR, OpKind.OPEN_WRITE));
    /** A write lock: the lock, and the write access an open for writing asks. */
    private static final Asked WRITE_LOCKING = new Asked.Kinds(List.of(OpKind.LOCK, OpKind.OPEN_WRITE));
    /** A Tlcreate without O_EXCL: the create, and the open (for reading or for writing) it may turn out to be. */
    private static final Asked CREATING_FOR_READ = new Asked.Kinds(List.of(OpKind.CREATE, OpKind.OPEN_READ));

    private static final Asked CREATING_FOR_WRITE = new Asked.Kinds(List.of(OpKind.CREATE, OpKind.OPEN_WRITE));

    static {
        for (OpKind kind : OpKind.values()) {
            ONE.put(kind, new Asked.Kinds(List.of(kind)));
        }
    }

    public static Asked of(String action, Facts facts) {
        return switch (action) {
            case "auth", "clunk" -> NONE;
            case "attach", "walk" -> one(OpKind.WALK);
            case "open" ->
                facts instanceof Facts.Opening open ? one(opened(open)) : new Asked.Incomplete("its open flags");
            case "create" ->
                facts instanceof Facts.Opening open ? created(open) : new Asked.Incomplete("its open flags");
            case "read" -> one(facts instanceof Facts.XattrValue ? OpKind.XATTR_READ : OpKind.OPEN_READ);
            case "write" -> one(facts instanceof Facts.XattrValue ? OpKind.XATTR_WRITE : OpKind.OPEN_WRITE);
            // Of a file opened read-only it flushes nothing the guest wrote through it: the read it was opened for.
            // Without its flags (records written before they were kept) the stricter question.
            case "fsync" -> one(facts instanceof Facts.Opening open ? opened(open) : OpKind.OPEN_WRITE);
            case "remove" -> one(OpKind.REMOVE);
            case "statfs" -> one(OpKind.STATFS);
            case "symlink" -> one(OpKind.SYMLINK);
            case "mknod" -> one(OpKind.MKNOD);
            case "mkdir" -> one(OpKind.MKDIR);
            case "link" -> one(OpKind.LINK);
            case "rename" -> one(OpKind.RENAME);
            case "readlink" -> one(OpKind.READLINK);
            case "getattr" -> one(OpKind.GETATTR);
            // A size change rewrites the data: under a deny of OPEN_WRITE, `truncate -s 0 run.sh` must fail as
            // `: > run.sh` (an O_TRUNC open) does.
            case "setattr" -> facts instanceof Facts.Resizing ? RESIZING : one(OpKind.SETATTR);
            case "xattr_get", "xattr_list" -> one(OpKind.XATTR_READ);
            case "xattr_create", "xattr_commit" -> one(OpKind.XATTR_WRITE);
            case "readdir" -> one(OpKind.READDIR);
            // A VM that may only read a file must not hold it exclusively against another VM that may write it.
            case "lock" -> facts instanceof Facts.WriteLock ? WRITE_LOCKING : one(OpKind.LOCK);
            case "getlock" -> one(OpKind.LOCK);
            default -> new Asked.Unknown();
        };
    }

    private static OpKind opened(Facts.Opening open) {
        return open.writes() ? OpKind.OPEN_WRITE : OpKind.OPEN_READ;
    }

    /**
     * Tlcreate without O_EXCL opens the file if the name exists, so it is also the open its flags ask for: a policy
     * that refuses rewriting a file must not be sidestepped by "creating" it with O_TRUNC. Asked whether or not the
     * name exists (that can change between decision and call); O_EXCL makes it a create and nothing else.
     */
    private static Asked created(Facts.Opening open) {
        if (open.exclusive()) {
            return one(OpKind.CREATE);
        }
        return open.writes() ? CREATING_FOR_WRITE : CREATING_FOR_READ;
    }

    private static Asked one(OpKind kind) {
        return ONE.get(kind);
    }
}
