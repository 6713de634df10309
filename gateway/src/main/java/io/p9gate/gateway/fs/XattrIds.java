package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * Ownership kept in extended attributes, for a gateway without CAP_CHOWN (like QEMU's mapped-xattr):
 * {@code user.p9gate.host-uid} and {@code .host-gid} hold the ids the VM's map gives the owner on the host, and
 * {@code .mode} the permission bits, as decimal text; the host inode keeps the gateway's ids. Each VM is shown
 * the stored host ids through its own map, exactly as a chowned inode would be: two VMs sharing a folder under
 * different maps see each other's files as the overflow id, never as their own users. (The guest's raw id was
 * stored before, in {@code .uid}/{@code .gid}: another VM read it as its own, so alpha's set-uid root file was
 * root's in beta. Those are still read, as the guest ids they are, until the next chown rewrites them.) A file
 * without them (made on the host) shows its host ids mapped to the guest. Linux allows user xattrs only on
 * regular files and directories, so symlinks and special files fall back to {@link ChownedIds}.
 */
public record XattrIds(IdTranslation ids) implements Ownership {
    static final String HOST_UID = RESERVED_XATTR_PREFIX + "host-uid";
    static final String HOST_GID = RESERVED_XATTR_PREFIX + "host-gid";
    /** Written before the host ids were: the writing guest's own ids, read only for files that have no host ids. */
    static final String LEGACY_UID = RESERVED_XATTR_PREFIX + "uid";

    static final String LEGACY_GID = RESERVED_XATTR_PREFIX + "gid";
    static final String MODE = RESERVED_XATTR_PREFIX + "mode";
    private static final int PERMISSION_BITS = 07777;
    /** The gateway itself must keep reading and writing what a guest creates, whatever mode it asks for. */
    private static final int GATEWAY_FILE_BITS = 0600;

    private static final int GATEWAY_DIR_BITS = 0700;

    @Override
    public void created(Node node, FileStat made, int uid, int gid, int mode) throws P9Exception {
        if (!holdsXattrs(node)) {
            new ChownedIds(ids).created(node, made, uid, gid, mode);
            return;
        }
        put(node, HOST_UID, ids.uidToHost(uid));
        put(node, HOST_GID, ids.gidToHost(gid));
        put(node, MODE, mode & PERMISSION_BITS);
        Inodes.chmod(node, (mode & 0777) | (node.type() == FileType.DIRECTORY ? GATEWAY_DIR_BITS : GATEWAY_FILE_BITS));
    }

    @Override
    public void chown(Node node, int uid, int gid) throws P9Exception {
        if (!holdsXattrs(node)) {
            new ChownedIds(ids).chown(node, uid, gid);
            return;
        }
        if (uid == -1) {
            if (gid != -1) {
                put(node, HOST_GID, ids.gidToHost(gid));
            }
            return;
        }
        Optional<byte[]> formerOwner = Xattrs.find(node, HOST_UID);
        put(node, HOST_UID, ids.uidToHost(uid));
        if (gid == -1) {
            return;
        }
        try {
            put(node, HOST_GID, ids.gidToHost(gid));
        } catch (P9Exception refused) {
            // Two xattrs, one request: a share with room for one only (ENOSPC) must not be left with the new owner
            // and the old group while the guest is told that nothing changed.
            restore(node, HOST_UID, formerOwner, refused);
            throw refused;
        }
    }

    /**
     * Puts back the value {@code name} had ({@code former}, or none) before a request that then failed with
     * {@code failure}; if even that fails, the request's record says what was left applied.
     */
    private static void restore(Node node, String name, Optional<byte[]> former, P9Exception failure)
            throws PartlyApplied {
        try {
            if (former.isPresent()) {
                Xattrs.set(node, name, former.get(), 0);
            } else {
                Xattrs.remove(node, name);
            }
        } catch (P9Exception notRestored) {
            failure.addSuppressed(notRestored);
            throw new PartlyApplied(failure, "owner stored, group not");
        }
    }

    @Override
    public void chmod(Node node, int mode) throws P9Exception {
        if (!holdsXattrs(node)) {
            Inodes.chmod(node, mode);
            return;
        }
        put(node, MODE, mode & PERMISSION_BITS);
    }

    @Override
    public FileStat shown(Node node, FileStat host) throws P9Exception {
        int uid = ids.uidToGuest(host.uid());
        int gid = ids.gidToGuest(host.gid());
        int mode = host.mode();
        if (holdsXattrs(node)) {
            uid = storedOwner(node, HOST_UID, LEGACY_UID, uid, ids::uidToGuest);
            gid = storedOwner(node, HOST_GID, LEGACY_GID, gid, ids::gidToGuest);
            mode = (mode & ~PERMISSION_BITS) | (get(node, MODE, mode) & PERMISSION_BITS);
        }
        return host.shownAs(mode, uid, gid, host.rdev());
    }

    @Override
    public boolean mapsHostOwner(Node node, FileStat host, boolean group) throws P9Exception {
        IntPredicate mapped = group ? ids::mapsHostGid : ids::mapsHostUid;
        if (!holdsXattrs(node)) {
            return mapped.test(group ? host.gid() : host.uid());
        }
        Optional<Integer> stored = number(node, group ? HOST_GID : HOST_UID);
        if (stored.isPresent()) {
            return mapped.test(stored.get());
        }
        // A legacy guest id is shown as it is, as this VM's own.
        return number(node, group ? LEGACY_GID : LEGACY_UID).isPresent()
                || mapped.test(group ? host.gid() : host.uid());
    }

    /**
     * The stored host ids where there are (the inode's are the gateway's, the same for every file, and the host hands a
     * file over by rewriting the stored ones), else the inode's; a legacy guest id names no host owner.
     */
    @Override
    public FileStat owned(Node node, FileStat host) throws P9Exception {
        if (!holdsXattrs(node)) {
            return host;
        }
        int uid = number(node, HOST_UID).orElse(host.uid());
        int gid = number(node, HOST_GID).orElse(host.gid());
        return host.shownAs(host.mode(), uid, gid, host.rdev());
    }

    /** The stored host id shown through this VM's map; else a legacy guest id as it is; else {@code fallback}. */
    private static int storedOwner(
            Node node, String hostName, String legacyName, int fallback, IntUnaryOperator toGuest) throws P9Exception {
        Optional<Integer> host = number(node, hostName);
        if (host.isPresent()) {
            return toGuest.applyAsInt(host.get());
        }
        return number(node, legacyName).orElse(fallback);
    }

    private static boolean holdsXattrs(Node node) {
        return node.type() == FileType.REGULAR || node.type() == FileType.DIRECTORY;
    }

    /** Writes {@code value} unsigned: an id from 2^31 up as the host prints it ("3000000000", not "-1294967296"). */
    private static void put(Node node, String name, int value) throws P9Exception {
        Xattrs.set(node, name, Integer.toUnsignedString(value).getBytes(StandardCharsets.US_ASCII), 0);
    }

    /** The stored value, or {@code fallback} if there is none or it is not a number. */
    private static int get(Node node, String name, int fallback) throws P9Exception {
        return number(node, name).orElse(fallback);
    }

    /**
     * The stored value as the unsigned 32-bit number it names, if there is one and it is a number: decimal as the host
     * writes an id (an operator handing a file over), or negative as this class wrote ids from 2^31 up before (so
     * "-2" stays 4294967294). Read signed only, an operator's "3000000000" was no number and the file showed the
     * gateway's own ids.
     */
    private static Optional<Integer> number(Node node, String name) throws P9Exception {
        Optional<byte[]> found = Xattrs.find(node, name);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        String text = new String(found.get(), StandardCharsets.US_ASCII).strip();
        try {
            return Optional.of(text.startsWith("-") ? Integer.parseInt(text) : Integer.parseUnsignedInt(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
