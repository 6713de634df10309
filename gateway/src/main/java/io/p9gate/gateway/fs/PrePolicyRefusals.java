package io.p9gate.gateway.fs;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.fs.ChokePoint.PathsOf;
import io.p9gate.gateway.fs.ChokePoint.Refusal;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.util.List;

/**
 * Requests refused before any policy is asked, each recorded as a denial through the {@link ChokePoint} with the rule
 * that refused it (docs/audit-format.md): over a budget (R-ROB-2), or asking what no such request can be (a create
 * through an opened fid, flags no such request is served with, a .u extension that does not parse, a Twstat that
 * would change a file's type or names an owner by name). The refusals other groups make before their decision
 * ({@link GuardedRequests#refusedAt}, {@link GuardedRequests#requireOneShare}) are shared in {@link GuardedRequests}.
 */
final class PrePolicyRefusals extends GuardedRequests {
    PrePolicyRefusals(GuardContext context) {
        super(context);
    }

    /** Tattach of a share this session does not have (another VM's, or none): ENOENT. */
    static final List<String> NO_SHARE_RULE = List.of("no-share");
    /** Tlink/Trename/Trenameat with fids of two shares: EXDEV. */
    static final List<String> CROSS_SHARE_RULE = List.of("cross-share");
    /** A 9P2000 or 9P2000.u Tcreate asking for a special file in a form no request can make: EINVAL. */
    static final List<String> INVALID_EXTENSION_RULE = List.of("invalid-extension");
    /** A create (Tlcreate, or a 9P2000 or 9P2000.u Tcreate) through a fid already opened: EINVAL. */
    static final List<String> FID_OPEN_RULE = List.of("fid-open");
    /** A 9P2000 or 9P2000.u Tcreate of a directory with a mode that writes or truncates (open(5)): EISDIR. */
    static final List<String> DIRECTORY_OPEN_MODE_RULE = List.of("directory-open-mode");
    /** A 9P2000.u Tcreate of a special file or hard link with ORCLOSE (it is not opened, so no clunk removes it). */
    static final List<String> SPECIAL_OPEN_MODE_RULE = List.of("special-open-mode");
    /** A 9P2000 or 9P2000.u Twstat whose mode's type bits are not the file's (a wstat cannot change a type): EINVAL. */
    static final List<String> FILE_TYPE_RULE = List.of("file-type");
    /** A 9P2000 or 9P2000.u Twstat whose mode has bits the dialect cannot apply (Plan 9's "unknown bits"): EINVAL. */
    static final List<String> MODE_BITS_RULE = List.of("mode-bits");
    /** A renaming Twstat whose attribute fields the file cannot take, refused before the rename is made. */
    static final List<String> UNSETTABLE_RULE = List.of("unsettable");
    /** A 9P2000 or 9P2000.u Twstat owner or group that is no numeric id (there is no name table): EINVAL. */
    static final List<String> OWNER_NAME_RULE = List.of("owner-name");
    /** A 9P2000 or 9P2000.u directory read at an offset read(5) does not allow: EINVAL. */
    static final List<String> DIRECTORY_OFFSET_RULE = List.of("directory-offset");
    /** Flags no such request is served with (Tlcreate with O_DIRECTORY, Tunlinkat beyond AT_REMOVEDIR): EINVAL. */
    static final List<String> INVALID_FLAGS_RULE = List.of("invalid-flags");

    /**
     * A request refused by one of the VM's budgets before it is decided (R-ROB-2), e.g. a walk once the VM's
     * fids are spent: recorded like any denial, the budget as its rule. {@code at} is where the request starts.
     * Returns what to throw: the refusal, or EIO if it could not be recorded.
     */
    public P9Exception overBudget(Operation op, Subject who, FileHandle at, RequestArgs args, OverBudget refusal) {
        return guard.overBudget(op, who, at.share().name(), () -> List.of(path(at.share(), at.node())), args, refusal);
    }

    /** As the other overBudget, for a Tattach refused before its share is looked up: the aname as sent. */
    public P9Exception overBudget(Operation op, Subject who, String aname, OverBudget refusal) {
        return guard.overBudget(op, who, aname, () -> List.of(""), RequestArgs.NONE, refusal);
    }

    /**
     * A 9P2000.u Tcreate of {@code name} in {@code dir} asking for a special file ({@code op}: MKNOD or LINK) whose
     * {@code extension} (a device's "b|c major minor", a hard link's fid) does not parse: refused with EINVAL
     * before any policy is asked and recorded as the create it asks for, as a name no entry can have is (and such a
     * name is refused as that first), so a guest probing the create's parser leaves a record as over 9P2000.L.
     */
    public P9Exception refusedExtension(Subject who, FileHandle dir, Operation op, String name, String extension)
            throws P9Exception {
        return refusedCreate(who, dir, op, name, invalidExtension("extension=" + DetailWords.word(extension)));
    }

    /**
     * A create of {@code name} ({@code op}: the request a Tcreate asks for, CREATE for a Tlcreate) through {@code fid},
     * a fid already opened, which no create may turn into the new file: refused with EINVAL before any policy is asked
     * and recorded, as any refusal of a request that would change the share is.
     */
    public P9Exception refusedOpenFid(Subject who, FileHandle fid, Operation op, String name) throws P9Exception {
        return refusedCreate(who, fid, op, name, new Refusal(Errno.EINVAL, FID_OPEN_RULE, ""));
    }

    /**
     * A Tlopen or Topen (asking for {@code hostFlags}) of the file behind {@code fid}, a fid already opened (or an
     * xattr fid), which is opened once: refused with EINVAL before any policy is asked and recorded as the OPEN it
     * asks for, as the create through such a fid is, so a guest cannot probe the open unseen.
     */
    public P9Exception refusedReopen(Subject who, FileHandle fid, int hostFlags) throws P9Exception {
        LocalShare share = fid.share();
        return guard.refused(
                Operation.OPEN,
                who,
                share.name(),
                () -> List.of(path(share, fid.node())),
                new RequestArgs.Open(hostFlags),
                new Refusal(Errno.EINVAL, FID_OPEN_RULE, ""));
    }

    /**
     * A 9P2000 or 9P2000.u Tread of the directory behind {@code dir} at {@code offset}, which is neither 0 nor where
     * the fid's last read ended (read(5)): refused with EINVAL before any policy is asked and recorded as the READDIR
     * it asks for, with the offset as sent.
     */
    public P9Exception refusedDirectoryOffset(Subject who, FileHandle dir, long offset) throws P9Exception {
        return refusedAt(
                Operation.READDIR,
                who,
                dir,
                new RequestArgs.FileIo(offset),
                new Refusal(Errno.EINVAL, DIRECTORY_OFFSET_RULE, ""));
    }

    /**
     * A Tlcreate of {@code name} in {@code dir} with O_DIRECTORY ({@code p9Flags} as sent): open(2) answers
     * O_CREAT|O_DIRECTORY with EINVAL before it looks at the name (Linux 6.4 on), so this is refused so whatever the
     * name, nothing made and no policy asked, and recorded as the CREATE it asks for.
     */
    public P9Exception refusedCreateOfDirectory(Subject who, FileHandle dir, String name, int p9Flags)
            throws P9Exception {
        return guard.refused(
                Operation.CREATE,
                who,
                dir.share().name(),
                () -> List.of(childOf(dir, name)),
                new RequestArgs.EntryNames(List.of(name)),
                invalidFlags(p9Flags));
    }

    /**
     * A Tunlinkat of {@code name} in {@code dir} with {@code flags} other than AT_REMOVEDIR: unlinkat(2) answers
     * EINVAL before it looks at the name, so this is refused so whatever the name, nothing removed and no policy
     * asked, and recorded as the REMOVE it asks for.
     */
    public P9Exception refusedUnlinkFlags(Subject who, FileHandle dir, String name, int flags, boolean directory)
            throws P9Exception {
        return guard.refused(
                Operation.REMOVE,
                who,
                dir.share().name(),
                () -> List.of(childOf(dir, name)),
                new RequestArgs.Unlink(name, directory),
                invalidFlags(flags));
    }

    private static Refusal invalidFlags(int flags) {
        return new Refusal(Errno.EINVAL, INVALID_FLAGS_RULE, "flags=0x" + Integer.toHexString(flags));
    }

    /**
     * A Txattrcreate of {@code name} through {@code fid}, a fid already opened or already an xattr fid, which only a
     * walked fid may become: refused with EINVAL (as QEMU answers) before any policy is asked, and recorded as the
     * XATTR_CREATE it asks for, as an open of such a fid is.
     */
    public P9Exception refusedXattrCreateOnOpenFid(Subject who, FileHandle fid, String name, long size, int flags)
            throws P9Exception {
        return refusedAt(
                Operation.XATTR_CREATE,
                who,
                fid,
                new RequestArgs.XattrSet(name, size, flags),
                new Refusal(Errno.EINVAL, FID_OPEN_RULE, ""));
    }

    /**
     * A 9P2000 or 9P2000.u Tcreate of the directory {@code name} with a {@code mode} that writes or truncates, which
     * open(5) refuses for a directory: refused with EISDIR before it is made or any policy asked, and recorded as the
     * MKDIR it asks for.
     */
    public P9Exception refusedDirectoryOpenMode(Subject who, FileHandle dir, String name, int mode) throws P9Exception {
        return refusedCreate(
                who, dir, Operation.MKDIR, name, new Refusal(Errno.EISDIR, DIRECTORY_OPEN_MODE_RULE, "mode=" + mode));
    }

    /**
     * A 9P2000.u Tcreate of a symlink, device, pipe, socket or hard link ({@code op}) with ORCLOSE: such an entry is
     * not opened (the fid becomes it), so no clunk would remove it. Refused with EINVAL before it is made or any
     * policy asked, and recorded as the request it asks for: made, it was answered Rcreate and stayed, its removal
     * never asked.
     */
    public P9Exception refusedSpecialOpenMode(Subject who, FileHandle dir, Operation op, String name, int mode)
            throws P9Exception {
        return refusedCreate(who, dir, op, name, new Refusal(Errno.EINVAL, SPECIAL_OPEN_MODE_RULE, "mode=" + mode));
    }

    /** A 9P2000 Tcreate with a .u file type in {@code perm} (9P2000 has none): refused and recorded the same way. */
    public P9Exception refusedFileType(Subject who, FileHandle dir, Operation op, String name, int perm)
            throws P9Exception {
        return refusedCreate(who, dir, op, name, invalidExtension("perm=0x" + Integer.toHexString(perm)));
    }

    /**
     * A 9P2000 or 9P2000.u Tcreate whose {@code perm} has bits the gateway cannot give the file (DMAPPEND, DMEXCL,
     * DMAUTH, DMTMP, 9P2000's set-id bits, undefined ones): refused with EINVAL, nothing made, rule mode-bits.
     */
    public P9Exception refusedCreateModeBits(Subject who, FileHandle dir, Operation op, String name, int perm)
            throws P9Exception {
        return refusedCreate(
                who, dir, op, name, new Refusal(Errno.EINVAL, MODE_BITS_RULE, "perm=0x" + Integer.toHexString(perm)));
    }

    /**
     * A 9P2000 or 9P2000.u Twstat of the file behind {@code handle} whose {@code mode} has type bits other than the
     * file's (stat(5): a wstat cannot change a file's type): refused with EINVAL, nothing changed, and recorded as the
     * SETATTR of the mode it asks for, so the log says what the guest was told and not only the getattr that looked.
     */
    public P9Exception refusedTypeChange(Subject who, FileHandle handle, int mode) throws P9Exception {
        return refusedMode(who, handle, FILE_TYPE_RULE, mode);
    }

    /**
     * A 9P2000 or 9P2000.u Twstat whose {@code mode} has bits the gateway cannot apply in that dialect (9P2000's
     * set-id bits, DMAUTH, DMMOUNT, DMTMP, undefined ones): refused with EINVAL, nothing changed, as Plan 9's file
     * servers refuse "unknown bits in mode"; dropping them answered Rwstat for a chmod that was not made.
     */
    public P9Exception refusedModeBits(Subject who, FileHandle handle, int mode) throws P9Exception {
        return refusedMode(who, handle, MODE_BITS_RULE, mode);
    }

    private P9Exception refusedMode(Subject who, FileHandle handle, List<String> rule, int mode) throws P9Exception {
        return refusedAt(
                Operation.SETATTR,
                who,
                handle,
                new RequestArgs.SetAttr(SetAttr.SETATTR_MODE, -1, -1),
                new Refusal(Errno.EINVAL, rule, "mode=0x" + Integer.toHexString(mode)));
    }

    /**
     * A 9P2000 or 9P2000.u Twstat whose owner or group ({@code field}, uid or gid) is {@code name}, no numeric id:
     * refused with EINVAL before anything is asked (the gateway has no name table), recorded as a SETATTR.
     */
    public P9Exception refusedOwnerName(Subject who, FileHandle handle, String field, String name) throws P9Exception {
        return refusedAt(
                Operation.SETATTR,
                who,
                handle,
                new RequestArgs.SetAttr(0, -1, -1),
                new Refusal(Errno.EINVAL, OWNER_NAME_RULE, field + "_name=" + DetailWords.word(name)));
    }

    private static Refusal invalidExtension(String detail) {
        return new Refusal(Errno.EINVAL, INVALID_EXTENSION_RULE, detail);
    }

    private P9Exception refusedCreate(Subject who, FileHandle dir, Operation op, String name, Refusal why)
            throws P9Exception {
        String share = dir.share().name();
        PathsOf paths = () -> List.of(childOf(dir, name));
        RequestArgs args = new RequestArgs.EntryNames(List.of(name));
        guard.requireValidNames(op, who, share, paths, args);
        return guard.refused(op, who, share, paths, args, why);
    }
}
