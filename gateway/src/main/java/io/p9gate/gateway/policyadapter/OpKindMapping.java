package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.policy.terms.OpKind;
import java.util.List;

/**
 * Which policy questions a gateway request asks (the table "Operation kinds" in docs/policy.md), from its operation
 * and its typed {@link RequestArgs} only: the human-readable detail of the audit record is never read, so rewording
 * it cannot change a decision. Empty for the two requests that touch no file: Tauth (always refused anyway) and
 * Tclunk (giving a handle back is never refused).
 */
final class OpKindMapping {
    private OpKindMapping() {}

    static List<OpKind> of(AccessRequest request) {
        return of(request.operation(), request.args());
    }

    static List<OpKind> of(Operation operation, RequestArgs args) {
        return switch (operation) {
            case AUTH, CLUNK -> List.of();
            case ATTACH, WALK -> List.of(OpKind.WALK);
            case OPEN -> List.of(args instanceof RequestArgs.Open open ? openKind(open) : OpKind.OPEN_WRITE);
            case CREATE -> create(args);
            case READ -> List.of(args instanceof RequestArgs.XattrIo ? OpKind.XATTR_READ : OpKind.OPEN_READ);
            case WRITE -> List.of(args instanceof RequestArgs.XattrIo ? OpKind.XATTR_WRITE : OpKind.OPEN_WRITE);
            case FSYNC -> List.of(OpKind.OPEN_WRITE);
            case REMOVE -> List.of(OpKind.REMOVE);
            case STATFS -> List.of(OpKind.STATFS);
            case SYMLINK -> List.of(OpKind.SYMLINK);
            case MKNOD -> List.of(OpKind.MKNOD);
            case MKDIR -> List.of(OpKind.MKDIR);
            case LINK -> List.of(OpKind.LINK);
            case RENAME -> List.of(OpKind.RENAME);
            case READLINK -> List.of(OpKind.READLINK);
            case GETATTR -> List.of(OpKind.GETATTR);
            case SETATTR -> List.of(OpKind.SETATTR);
            case XATTR_GET, XATTR_LIST -> List.of(OpKind.XATTR_READ);
            case XATTR_CREATE, XATTR_COMMIT -> List.of(OpKind.XATTR_WRITE);
            case READDIR -> List.of(OpKind.READDIR);
            case LOCK, GETLOCK -> List.of(OpKind.LOCK);
        };
    }

    private static OpKind openKind(RequestArgs.Open open) {
        return open.writes() ? OpKind.OPEN_WRITE : OpKind.OPEN_READ;
    }

    /**
     * Tlcreate without O_EXCL opens the file if the name exists, so it is also the open its flags ask for: a policy
     * that refuses rewriting a file must not be sidestepped by "creating" it with O_TRUNC. Asked whether or not the
     * name exists (that can change between decision and call); O_EXCL makes it a create and nothing else.
     */
    private static List<OpKind> create(RequestArgs args) {
        if (args instanceof RequestArgs.Create create) {
            return create.exclusive() ? List.of(OpKind.CREATE) : List.of(OpKind.CREATE, openKind(create.opens()));
        }
        return List.of(OpKind.CREATE, OpKind.OPEN_WRITE);
    }
}
