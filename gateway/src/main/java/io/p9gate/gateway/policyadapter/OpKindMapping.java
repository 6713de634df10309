package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.policy.OpKind;
import java.util.Optional;

/**
 * Which policy question a gateway request asks (the table "Operation kinds" in docs/policy.md).
 * Empty for the two requests that touch no file: Tauth (always refused anyway) and Tclunk
 * (giving a handle back is never refused).
 */
final class OpKindMapping {
    /** Where GuardedFs puts open flags in {@link AccessRequest#detail()}: {@code flags=0x<hex>}. */
    private static final String FLAGS_PREFIX = "flags=0x";
    /** Where GuardedFs marks I/O on an xattr fid: {@code xattr <name>}. */
    private static final String XATTR_PREFIX = "xattr ";
    private static final int O_ACCMODE = 3;

    private OpKindMapping() {
    }

    static Optional<OpKind> of(AccessRequest request) {
        return switch (request.operation()) {
            case AUTH, CLUNK -> Optional.empty();
            case ATTACH, WALK -> Optional.of(OpKind.WALK);
            case OPEN -> Optional.of(writeIntent(request.detail()) ? OpKind.OPEN_WRITE : OpKind.OPEN_READ);
            case CREATE -> Optional.of(OpKind.CREATE);
            case READ -> Optional.of(onXattr(request) ? OpKind.XATTR_READ : OpKind.OPEN_READ);
            case WRITE -> Optional.of(onXattr(request) ? OpKind.XATTR_WRITE : OpKind.OPEN_WRITE);
            case FSYNC -> Optional.of(OpKind.OPEN_WRITE);
            case REMOVE -> Optional.of(OpKind.REMOVE);
            case STATFS -> Optional.of(OpKind.STATFS);
            case SYMLINK -> Optional.of(OpKind.SYMLINK);
            case MKNOD -> Optional.of(OpKind.MKNOD);
            case MKDIR -> Optional.of(OpKind.MKDIR);
            case LINK -> Optional.of(OpKind.LINK);
            case RENAME -> Optional.of(OpKind.RENAME);
            case READLINK -> Optional.of(OpKind.READLINK);
            case GETATTR -> Optional.of(OpKind.GETATTR);
            case SETATTR -> Optional.of(OpKind.SETATTR);
            case XATTR_GET, XATTR_LIST -> Optional.of(OpKind.XATTR_READ);
            case XATTR_CREATE, XATTR_COMMIT -> Optional.of(OpKind.XATTR_WRITE);
            case READDIR -> Optional.of(OpKind.READDIR);
            case LOCK, GETLOCK -> Optional.of(OpKind.LOCK);
        };
    }

    private static boolean onXattr(AccessRequest request) {
        return request.detail().startsWith(XATTR_PREFIX);
    }

    /**
     * Whether host open flags ask to change the file: write access, O_TRUNC or O_APPEND. Flags that
     * cannot be read count as a write, so a malformed detail can only make the answer stricter.
     */
    static boolean writeIntent(String detail) {
        if (!detail.startsWith(FLAGS_PREFIX)) {
            return true;
        }
        int end = detail.indexOf(' ');
        String hex = detail.substring(FLAGS_PREFIX.length(), end < 0 ? detail.length() : end);
        int flags;
        try {
            flags = Integer.parseUnsignedInt(hex, 16);
        } catch (NumberFormatException e) {
            return true;
        }
        return (flags & O_ACCMODE) != LinuxSyscalls.O_RDONLY
                || (flags & (LinuxSyscalls.O_TRUNC | LinuxSyscalls.O_APPEND)) != 0;
    }
}
