package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;

/**
 * Whether files beneath one share may hold a guest's set-id bits kept in an xattr, and the mark on the share's root
 * that tells the next start of the gateway so ({@link #SETID_MARK}).
 */
final class SetIdMark {
    /**
     * The share root's xattr that says the gateway has kept a guest's set-id bits in an xattr beneath it (see
     * fs.SetIdBits): without it no file of the share can have any, and Tgetattr and Twrite need not look (one
     * getxattr per request, issue 11).
     */
    static final String SETID_MARK = "user.p9gate.setid-kept";

    private final Node root;
    /** Whether set-id bits may be kept in xattrs beneath this share ({@link #mayBeKept}). */
    private volatile boolean setIdBitsKept;
    /** Whether the root carries {@link #SETID_MARK}, or was tried: another share's bits set only the flag above. */
    private volatile boolean rootMarked;
    /** Whether bits were kept through this share since it was opened, which every open share was told. */
    private volatile boolean keptHere;

    /** Reads the mark of {@code root}, the share's root handle (not a reference of its own), and above it. */
    SetIdMark(Node root) {
        this.root = root;
        this.rootMarked = marked(root, SETID_MARK);
        this.setIdBitsKept = rootMarked || markedAbove(root);
    }

    /**
     * Whether a directory above the root carries {@link #SETID_MARK} (or the climb could not finish): the mark is on
     * the root of the share the bits were kept through only, and a share inside it that a start serves without it
     * read no kept bits, so writes through it kept them for the VM of the outer share (one getxattr per level, at
     * open only).
     */
    private static boolean markedAbove(Node root) {
        try {
            return Climb.climbing(root, dir -> !dir.key().equals(root.key()) && marked(dir, SETID_MARK))
                    != Climb.Climbed.TOP;
        } catch (P9Exception e) {
            return true;
        }
    }

    /** Whether {@code node} carries the xattr {@code name}; if that cannot be told, yes (a read too many is safe). */
    private static boolean marked(Node node, String name) {
        try {
            return Xattrs.find(node, name).isPresent();
        } catch (P9Exception e) {
            return true;
        }
    }

    /** {@link ShareRoot#setIdBitsMayBeKept}. */
    boolean mayBeKept() {
        return setIdBitsKept;
    }

    /** {@link ShareRoot#keepingSetIdBits}. */
    void keeping() {
        if (keptHere) {
            return;
        }
        if (!rootMarked) {
            try {
                // As the gateway: the root is the administrator's, and a guest's host user (permissions: enforce) who
                // may keep bits on its own file may not write it; the mark failed unseen and a restart read no bits
                // (SetIdMarkUnderEnforceTest).
                HostCredentials.asGateway(() -> {
                    Xattrs.set(root, SETID_MARK, new byte[] {'1'}, 0);
                    return null;
                });
            } catch (P9Exception e) {
                // Shown by this process only (see above); the host file never carries the bits either way.
            }
            rootMarked = true;
        }
        // Also where the root was marked when opened: a share opened after it that reached none of its inodes then
        // read no bits, and one the host has mounted inside this share since may hold the file they are kept on now
        // (KeptSetIdAcrossVmsAttackTest).
        OpenShares.keepingSetIdBits();
        setIdBitsKept = true;
        keptHere = true;
    }

    /** Bits were kept through another share of this process: this one reads them from now on. */
    void kept() {
        setIdBitsKept = true;
    }
}
