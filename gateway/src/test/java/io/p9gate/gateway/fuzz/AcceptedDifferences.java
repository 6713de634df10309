package io.p9gate.gateway.fuzz;

/**
 * Where p9gate deliberately answers otherwise than diod (docs/filesystem.md, docs/protocol.md), each with its reason.
 * A difference not listed here fails the fuzzer.
 */
final class AcceptedDifferences {
    private AcceptedDifferences() {}

    /** The reason p9gate's {@code ours} may differ from diod's {@code theirs} for this request, or null. */
    static String reason(FuzzStep step, String ours, String theirs) {
        if (theirs.equals("Rlerror EINVAL") && directIo(step.label())) {
            return "O_DIRECT: p9gate drops it (fs.OpenFlags: alignment is the host's business), diod refuses it";
        }
        if (ours.equals("Rlerror EBUSY")
                && theirs.equals("Rlerror EINVAL")
                && step.label().startsWith("Trename[fid=0,")) {
            return "renaming the share's root: EBUSY, as rename(2) of a mount point; diod EINVAL";
        }
        if (ours.equals("Rlerror EINVAL") && step.label().matches("Twalk\\[fid=(\\d+), newfid=\\1,.*")) {
            return "walking an open fid in place: EINVAL (docs/protocol.md, walk(5)); diod walks it";
        }
        if (ours.equals("Rlerror EBADF")
                && IO.matcher(step.label()).lookingAt()
                && (theirs.startsWith("Rlerror")
                        || step.label().startsWith("Tlock")
                        || step.label().startsWith("Tgetlock"))) {
            return "I/O or a lock through a fid not open for it: EBADF (docs/filesystem.md, Locks); diod differs";
        }
        if (step.label().startsWith("Twalk")
                && step.label().contains("..")
                && ours.startsWith("Rwalk")
                && ours.length() > theirs.length()) {
            return "\"..\" at the share's root stays at the root (walk(5)); diod climbs out of its export and stops";
        }
        if (theirs.equals("NO REPLY: connection closed")
                && step.label().startsWith("Txattrcreate[fid=")
                && step.label().contains("name=,")) {
            return "an empty attribute name: diod drops the connection";
        }
        if (step.label().matches("Twalk.*names=\\[(.*, )?\\.(, .*)?\\]")) {
            return "a walk element \".\": no name the Linux client sends; p9gate stays where it is, as a path lookup"
                    + " does, diod does not";
        }
        if (theirs.equals("Rlerror EIO") && overOneReply(step.label())) {
            return "a count over msize - 24 (more than one reply holds): p9gate sends what fits, as read(5) allows;"
                    + " diod EIO (the Linux client never asks more)";
        }
        for (OnFid a : ON_FID) {
            if (step.label().matches("(?:" + a.request + ")\\[.*")
                    && ours.matches(a.ours)
                    && theirs.matches(a.theirs)
                    && a.facts.matcher(step.facts()).find()) {
                return a.reason;
            }
        }
        for (Accepted a : LIST) {
            if (a.ours.equals(ours)
                    && (a.theirs.isEmpty() || a.theirs.equals(theirs))
                    && step.label().startsWith(a.request)) {
                return a.reason;
            }
        }
        return null;
    }

    /**
     * Why a request both answered alike leaves diod's tree otherwise than the reference's, or null: comparison with
     * diod then ends for the seed ({@code ours}, the reference's reply; facts as for {@link #reason}).
     */
    static String treeReason(FuzzStep step, String ours) {
        java.util.regex.Matcher mkdir =
                java.util.regex.Pattern.compile("^Tmkdir\\[.*mode=(\\d+)").matcher(step.label());
        if (mkdir.find() && (Integer.parseInt(mkdir.group(1)) & 02000) != 0 && ours.startsWith("Rmkdir")) {
            return "a Tmkdir asking for set-gid keeps it (the Linux client asks it in a set-gid directory; as QEMU,"
                    + " backend.CreateModes); diod's mkdir(2) drops it";
        }
        if (mkdir.find(0) && (Integer.parseInt(mkdir.group(1)) & 02000) == 0 && ours.startsWith("Rmkdir")) {
            return "a Tmkdir not asking for set-gid in a set-gid directory gets the mode asked (the Linux client adds"
                    + " set-gid itself there; backend.CreateModes, as QEMU); diod's mkdir(2) inherits it (seed 1188)";
        }
        if (step.label().startsWith("Tremove") && step.facts().matches("fid=xattr-write .*short.*")) {
            return "removing through an xattr fid written short: diod commits the bytes never written at the"
                    + " remove's clunk, p9gate never commits them (as at a Tclunk)";
        }
        return null;
    }

    /**
     * Why the clunk (or remove) at diod of a fid it no longer agrees on changes diod's tree whatever the reference
     * answered, or null.
     */
    static String divergedClunkReason(FuzzStep step) {
        if ((step.label().startsWith("Tclunk") || step.label().startsWith("Tremove"))
                && step.facts().startsWith("fid=xattr-write")) {
            return "diod commits an xattr value at the clunk of a fid it opened or walked where the reference refused,"
                    + " written short or not; the reference commits it only whole";
        }
        return null;
    }

    private static final java.util.regex.Pattern IO =
            java.util.regex.Pattern.compile("T(read|write|readdir|fsync|lock|getlock)\\[");

    private static boolean overOneReply(String label) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^T(read|readdir)\\[.*count=(\\d+)")
                .matcher(label);
        return m.find() && Long.parseLong(m.group(2)) > DiodDifferentialFuzzTest.MSIZE - 24;
    }

    private static boolean directIo(String label) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("flags=(\\d+)").matcher(label);
        return (label.startsWith("Tlopen") || label.startsWith("Tlcreate"))
                && m.find()
                && (Integer.parseInt(m.group(1)) & 040000) != 0;
    }

    /**
     * A difference that depends on what the request's fids are at the reference ({@link FuzzStep#facts}): request,
     * replies and facts are regular expressions, the facts' found anywhere.
     */
    private record OnFid(String request, String ours, String theirs, java.util.regex.Pattern facts, String reason) {
        OnFid(String request, String ours, String theirs, String facts, String reason) {
            this(request, ours, theirs, java.util.regex.Pattern.compile(facts), reason);
        }
    }

    private static final String SUCCESS = "R(?!lerror).*";
    private static final String DIRECTORY_FID_A_FILE =
            "the directory fid is a file: ENOTDIR as mkdirat(2) and its kin answer; diod, path-based, ENOENT";
    private static final String DIRECTORY_FID_A_SYMLINK =
            "the directory fid is a symlink to a directory: ENOTDIR, never followed on the host; diod follows it";

    private static final java.util.List<OnFid> ON_FID = java.util.List.of(
            new OnFid(
                    "Tclunk",
                    "Rlerror EINVAL",
                    "Rclunk\\[\\]|Rlerror \\w+",
                    "fid=xattr-write .*short",
                    "committing an attribute written short of its declared size: EINVAL, as the 9P2000.L text and"
                            + " QEMU answer (the fid is freed); diod commits the bytes never written, whatever they are"),
            new OnFid(
                    "T\\w+",
                    ".*",
                    ".*",
                    "=[^,]* " + FidModel.MOVED,
                    "a fid whose path was renamed or removed since: p9gate keeps the file it was walked to (as Linux"
                            + " keeps an open file), diod names fids by path and finds another file or none"),
            new OnFid(
                    "Tlock",
                    "Rlock\\[status=0\\]",
                    "Rlock\\[status=2\\]",
                    "fid=open",
                    "a write lock through a read-only open where the VM may write the file: the Linux client sends"
                            + " flock(2) as Tlock (flock -x of a read-only open); diod's fcntl(2) refuses it (status"
                            + " ERROR)"),
            new OnFid(
                    "Tread|Tfsync",
                    SUCCESS,
                    "Rlerror EBADF",
                    "fid=open-no-access",
                    "a fid opened with access mode 3: served as a read (docs/protocol.md); open(2) gives a descriptor"
                            + " that neither reads nor writes, diod EBADF"),
            new OnFid(
                    "Tremove",
                    "Rlerror EBUSY",
                    "Rlerror EINVAL",
                    "fid=walked dir root",
                    "removing the share's root: EBUSY as rmdir(2) of a mount point; diod EINVAL"),
            new OnFid(
                    "Tlopen",
                    "Rlerror ENOTDIR",
                    ".*",
                    "fid=walked symlink",
                    "opening a symlink's fid with O_DIRECTORY: ENOTDIR, as open(2) with O_NOFOLLOW; diod follows it"),
            new OnFid(
                    "Tstatfs",
                    "Rstatfs.*",
                    "Rlerror ENOENT",
                    "fid=walked symlink",
                    "statfs of a dangling symlink's fid: p9gate answers for the link itself, diod follows it"),
            new OnFid(
                    "Tlink",
                    "Rlerror EEXIST",
                    "Rlerror EPERM",
                    "fid=walked dir",
                    "a hard link of a directory to a name that exists: EEXIST, as link(2) looks the name up first"),
            new OnFid(
                    "Txattrcreate(?=\\[fid=\\d+, name=user\\.)",
                    "Rlerror EPERM",
                    SUCCESS,
                    "fid=walked symlink",
                    "a user. attribute of a symlink: EPERM as lsetxattr(2) answers, checked at Txattrcreate; diod"
                            + " takes it and fails at the clunk"),
            new OnFid(
                    "Twalk|Txattrwalk|Tgetattr|Tsetattr|Tstatfs|Treadlink|Tmkdir|Tsymlink|Tmknod|Tlink|Trename"
                            + "|Trenameat|Tunlinkat",
                    "Rlerror EBADF",
                    ".*",
                    "(?:^|, )(?:fid|dfid|olddir|newdir)=xattr-",
                    "an xattr fid holds a value, not a file: EBADF for a request that acts on a file or directory"
                            + " through it (docs/protocol.md); diod acts on the fid's path"),
            new OnFid(
                    "Txattrcreate|Tlcreate",
                    "Rlerror EINVAL",
                    ".*",
                    "fid=(open|xattr-)",
                    "an open or xattr fid is not a walked fid: EINVAL (docs/protocol.md), as QEMU; diod reuses it"),
            new OnFid(
                    "Treaddir",
                    "Rlerror ENOTDIR",
                    "Rlerror EIO",
                    "fid=open (file|symlink)",
                    "listing a fid open on a file: ENOTDIR as getdents64(2) answers; diod EIO"),
            new OnFid(
                    "Tlink|Tmkdir|Tmknod|Trename|Tunlinkat",
                    "Rlerror ENOTDIR",
                    "Rlerror ENOENT",
                    "dfid=walked (file|symlink)",
                    DIRECTORY_FID_A_FILE),
            new OnFid(
                    "Tsymlink|Tlcreate",
                    "Rlerror ENOTDIR",
                    "Rlerror ENOENT",
                    "^fid=(walked|xattr-read) (file|symlink)",
                    DIRECTORY_FID_A_FILE),
            new OnFid(
                    "Tlink|Tmkdir|Tmknod|Trename|Tunlinkat",
                    "Rlerror ENOTDIR",
                    ".*",
                    "dfid=walked symlink",
                    DIRECTORY_FID_A_SYMLINK),
            // Whatever diod finds at the link's target: EEXIST where the name is there (seeds 1041, 1089, 1146).
            new OnFid(
                    "Tsymlink|Tlcreate",
                    "Rlerror ENOTDIR",
                    ".*",
                    "^fid=(walked|xattr-read) symlink",
                    DIRECTORY_FID_A_SYMLINK),
            new OnFid(
                    "Tgetlock",
                    "Rgetlock type=[01] .*",
                    "Rgetlock type=2 .*",
                    "fid=open",
                    "another owner's lock conflicts: p9gate tells each client's (client id, proc id) apart; diod"
                            + " holds every client's locks in its one process, where F_GETLK sees no conflict"
                            + " (seed 1104)"),
            new OnFid(
                    "Tgetlock",
                    "Rgetlock type=2 .*",
                    "Rgetlock type=[01] .*",
                    "fid=open-no-access",
                    "a lock query through a fid opened with access mode 3 (served as a read): no lock is held and"
                            + " p9gate says so; diod answers a conflict (seed 1167: no lock was taken in the run)"),
            new OnFid(
                    "Twrite(?=\\[fid=\\d+, offset=-)",
                    "Rlerror EINVAL",
                    ".*",
                    "fid=xattr-write",
                    "an attribute's value written at an offset of 2^63 or more: EINVAL (fs.PendingXattr); diod"
                            + " writes it somewhere (seeds 1101, 1147)"));

    /** A difference for requests whose label starts with {@code request} ("" for any). */
    private record Accepted(String request, String ours, String theirs, String reason) {}

    private static final java.util.List<Accepted> LIST = java.util.List.of(
            new Accepted(
                    "",
                    "Rlerror EBADF",
                    "Rlerror EIO",
                    "a fid never set up or clunked: diod's npfs answers EIO to an unknown fid, p9gate EBADF"),
            new Accepted(
                    "Treaddir",
                    "Rlerror ENOTDIR",
                    "Rlerror EINVAL",
                    "listing a file: ENOTDIR as getdents64(2) answers; diod EINVAL"),
            new Accepted(
                    "Tremove",
                    "Rlerror EBUSY",
                    "Rlerror ENOTEMPTY",
                    "removing the share's root: EBUSY as rmdir(2) of a mount point; diod tries and finds it not empty"),
            new Accepted(
                    "Trename",
                    "Rlerror EBUSY",
                    "Rlerror EINVAL",
                    "renaming the share's root: EBUSY as rename(2) of a mount point; diod EINVAL"),
            new Accepted(
                    "Txattrcreate",
                    "Rlerror ERANGE",
                    "Rxattrcreate[]",
                    "an empty attribute name: ERANGE as setxattr(2) answers (checked at Txattrcreate); diod later"),
            new Accepted(
                    "Txattrcreate",
                    "Rlerror E2BIG",
                    "Rxattrcreate[]",
                    "a value over XATTR_SIZE_MAX (64 KiB): E2BIG as setxattr(2) answers, at Txattrcreate; diod later"),
            new Accepted(
                    "Twrite",
                    "Rlerror EISDIR",
                    "Rlerror EBADF",
                    "a write through a directory fid that is not open: p9gate names the directory first"),
            new Accepted(
                    "Twrite",
                    "Rlerror EISDIR",
                    "Rlerror EINVAL",
                    "a write through a directory fid at an offset of 2^63 or more: p9gate names the directory"
                            + " first, diod the offset (seed 1145)"),
            new Accepted(
                    "Tlopen",
                    "Rlerror ELOOP",
                    "Rlopen qid.type=0",
                    "opening a symlink's fid: p9gate never follows a link on the host (ELOOP, confinement); diod does"),
            new Accepted(
                    "Tlcreate",
                    "Rlerror ELOOP",
                    "",
                    "creating over an existing symlink: p9gate never follows it on the host (ELOOP); diod does and"
                            + " answers what its target gives (ENAMETOOLONG for a 300-byte one, seed 1026)"),
            new Accepted(
                    "Txattrwalk",
                    "Rlerror ENODATA",
                    "Rlerror ENOENT",
                    "an attribute that is not there: ENODATA as getxattr(2) answers; diod ENOENT"),
            new Accepted(
                    "Tread",
                    "Rlerror EINVAL",
                    "Rlerror EBADF",
                    "a read whose offset + count passes 2^63: EINVAL as pread(2) answers; diod EBADF"),
            new Accepted(
                    "Tread",
                    "Rlerror EISDIR",
                    "Rlerror EINVAL",
                    "reading an open directory: EISDIR as read(2) answers; diod EINVAL"),
            new Accepted(
                    "Tread",
                    "Rlerror EISDIR",
                    "Rlerror EIO",
                    "reading an open directory: EISDIR as read(2) answers; diod EIO"),
            new Accepted(
                    "Twrite",
                    "Rlerror EFBIG",
                    "",
                    "writing past an attribute's declared size: EFBIG; diod cuts the write short"),
            new Accepted(
                    "Trenameat",
                    "Rlerror ENOTDIR",
                    "Rlerror ENOENT",
                    "new directory fid not a directory: ENOTDIR before the old name's lookup, as renameat(2)"),
            new Accepted(
                    "Trename", "Rlerror EBUSY", "", "renaming the share's root: EBUSY, as rename(2) of a mount point"),
            new Accepted(
                    "Twalk",
                    "Rlerror ENOTDIR",
                    "Rlerror ENOENT",
                    "walking from a file: ENOTDIR, as a path lookup through a file answers; diod ENOENT"),
            new Accepted(
                    "Tread",
                    "Rlerror EINVAL",
                    "",
                    "an attribute's value read at an offset past its end (adversarial.XattrOffsetAttackTest): EINVAL"),
            new Accepted(
                    "Tclunk",
                    "Rclunk[]",
                    "Rlerror E2BIG",
                    "committing an attribute: p9gate checked its size at Txattrcreate; diod refuses at the clunk"),
            new Accepted(
                    "Tlopen",
                    "Rlerror EINVAL",
                    "",
                    "a second open of an open fid: EINVAL (docs/filesystem.md); diod opens or answers otherwise"),
            new Accepted(
                    "Tlopen",
                    "Rlerror ELOOP",
                    "",
                    "opening a symlink's fid (a dangling one too): ELOOP, links are never followed on the host"),
            new Accepted(
                    "Tstatfs",
                    "Rstatfs type=61267 bsize=4096 namelen=255",
                    "Rstatfs type=16914839 bsize=4096 namelen=255",
                    "diod reports V9FS_MAGIC as the file system type, p9gate the host's (statfs(2) of the share)"));
}
