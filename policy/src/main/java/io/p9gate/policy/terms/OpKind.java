package io.p9gate.policy.terms;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The operations a policy decides, one per kind of 9P2000.L request that touches a file (R-POL-2).
 * Each constant says which requests the gateway maps onto it. "Write" kinds change the share and are
 * what read-only subtrees refuse (R-POL-3).
 */
public enum OpKind {
    /** Twalk: each component walked (the path is the component reached); also Tattach for "/". */
    WALK(false),
    /** Tlopen without write intent (O_RDONLY), also Tread on such a fid. */
    OPEN_READ(false),
    /** Tlopen with O_WRONLY/O_RDWR/O_TRUNC/O_APPEND, also Twrite and Tfsync. */
    OPEN_WRITE(true),
    /** Tlcreate: the path is the new file. */
    CREATE(true),
    /** Tmkdir: the path is the new directory. */
    MKDIR(true),
    /** Tsymlink: the path is the new link (its target string is not a path in the share). */
    SYMLINK(true),
    /** Tlink: path is the existing file, destination the new name; both are checked. */
    LINK(true),
    /** Tmknod: the path is the new node, also asked as CREATE (devices are never opened as such, R-CONF-2). */
    MKNOD(true),
    /** Tsetattr: mode, owner, size (truncate), times. */
    SETATTR(true),
    /** Tremove and Tunlinkat (files and, with AT_REMOVEDIR, directories). */
    REMOVE(true),
    /** Trename and Trenameat: path is the source, destination the target; both are checked. */
    RENAME(true),
    /** Txattrwalk (get/list). */
    XATTR_READ(false),
    /** Txattrcreate (set/remove). */
    XATTR_WRITE(true),
    /** Treaddir on a directory (hidden entries are filtered separately, see io.p9gate.policy.PolicyEngine#visible). */
    READDIR(false),
    /** Tgetattr. */
    GETATTR(false),
    /** Tstatfs. */
    STATFS(false),
    /** Tlock and Tgetlock (POSIX record locks on an open fid). */
    LOCK(false),
    /** Treadlink. */
    READLINK(false);

    private final boolean write;

    OpKind(boolean write) {
        this.write = write;
    }

    /** Whether this kind changes the share (refused inside read-only subtrees). */
    public boolean isWrite() {
        return write;
    }

    /** Whether a request of this kind names a second path (rename, link). */
    public boolean hasDestination() {
        return this == RENAME || this == LINK;
    }

    /** Guest nobody's gid: the one the gateway asks and records with for a request that names no gid. */
    public static final long UNNAMED_GID = 65534;

    /**
     * The gid a question about this kind is asked with when none is given, as the gateway asks it: 9P2000.L names a
     * gid only in Tlcreate, Tmkdir, Tsymlink and Tmknod (0 here, guest root's group, as the uid defaults to root),
     * and Tattach names no group, so every other request of a session, guest root's too, is asked as gid 65534.
     */
    public long defaultGid() {
        return this == CREATE || this == MKDIR || this == SYMLINK || this == MKNOD ? 0 : UNNAMED_GID;
    }

    public static final Set<OpKind> WRITES = of(true);
    public static final Set<OpKind> READS = of(false);

    private static Set<OpKind> of(boolean write) {
        EnumSet<OpKind> set = EnumSet.noneOf(OpKind.class);
        for (OpKind k : values()) if (k.write == write) set.add(k);
        return Collections.unmodifiableSet(set);
    }

    /** Parses a name case-insensitively, accepting '-' for '_'; empty when unknown. */
    public static Optional<OpKind> parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (OpKind k : values()) if (k.name().equals(n)) return Optional.of(k);
        return Optional.empty();
    }
}
