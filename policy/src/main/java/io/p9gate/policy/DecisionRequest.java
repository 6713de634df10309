package io.p9gate.policy;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathQuestion;
import io.p9gate.policy.terms.SharePath;
import java.util.List;
import java.util.Objects;

/**
 * One question to the policy: may {@code vm} do {@code op} on {@code path} in its share {@code share}?
 * {@code destination} is the second path of RENAME and LINK (null otherwise). {@code uid}/{@code gid}
 * are the guest's ids as the request carries them (available to hand-written Cedar as context).
 * {@code directory}: a RENAME's source is a directory, which takes everything below it along (rules cannot tell
 * a directory from a file by its path; the gateway knows, having resolved the source).
 */
public record DecisionRequest(
        String vm,
        String share,
        OpKind op,
        SharePath path,
        SharePath destination,
        long uid,
        long gid,
        boolean directory) {

    public DecisionRequest {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(share, "share");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(path, "path");
        if (op.hasDestination() != (destination != null)) {
            throw new IllegalArgumentException(op + (op.hasDestination() ? " needs" : " takes no") + " destination");
        }
        if (directory && op != OpKind.RENAME) {
            throw new IllegalArgumentException(op + " moves no directory");
        }
    }

    /** A request whose source is not a directory moved (every kind but a directory's RENAME). */
    public DecisionRequest(
            String vm, String share, OpKind op, SharePath path, SharePath destination, long uid, long gid) {
        this(vm, share, op, path, destination, uid, gid, false);
    }

    public static DecisionRequest of(String vm, String share, OpKind op, String path) {
        return new DecisionRequest(vm, share, op, SharePath.of(path), null, 0, 0);
    }

    public static DecisionRequest twoPath(String vm, String share, OpKind op, String path, String destination) {
        return new DecisionRequest(vm, share, op, SharePath.of(path), SharePath.of(destination), 0, 0);
    }

    /**
     * The single-path questions this request asks, source first: rename and link ask about both paths;
     * link, rename, symlink and mknod also ask CREATE about the new name, since a name appears there and a rule
     * that refuses creating it (say {@code *.sh}) must not be sidestepped by linking, by renaming a file written
     * under another name to it (or over it), or by mknod, which makes regular files as well as fifos (R-POL-3).
     * A rename also asks REMOVE about its source: the name goes away there, as by an unlink, so a rule keeping
     * names from being removed (say {@code /crash/**}) must not be sidestepped by moving one out and removing it.
     */
    public List<PathQuestion> questions() {
        PathQuestion src = new PathQuestion(vm, share, op, path, uid, gid);
        return switch (op) {
            case SYMLINK, MKNOD -> List.of(src, new PathQuestion(vm, share, OpKind.CREATE, path, uid, gid));
            case LINK ->
                List.of(
                        src,
                        new PathQuestion(vm, share, op, destination, uid, gid),
                        new PathQuestion(vm, share, OpKind.CREATE, destination, uid, gid));
            case RENAME ->
                List.of(
                        src,
                        new PathQuestion(vm, share, OpKind.REMOVE, path, uid, gid),
                        new PathQuestion(vm, share, op, destination, uid, gid),
                        new PathQuestion(vm, share, OpKind.CREATE, destination, uid, gid));
            case WALK,
                    OPEN_READ,
                    OPEN_WRITE,
                    CREATE,
                    MKDIR,
                    SETATTR,
                    REMOVE,
                    XATTR_READ,
                    XATTR_WRITE,
                    READDIR,
                    GETATTR,
                    STATFS,
                    LOCK,
                    READLINK -> List.of(src);
        };
    }
}
