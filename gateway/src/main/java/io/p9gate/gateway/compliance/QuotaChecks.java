package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Quotas (R-POL-6), probed inside each quota's scope: a write that would take the scope past its byte limit
 * is EDQUOT, the limit is where the policy puts it (the scope fills up to its free space and not one byte
 * further), and removing a file frees its bytes again; the same for inodes, where filling the limit is
 * affordable ({@code --max-creates}). Bytes are probed with sparse files: a one-byte write at a large offset
 * counts the file's whole size, so even a 20 GiB limit costs a few dozen requests and almost no disk.
 */
final class QuotaChecks {
    /** Tmkdir requests outstanding at once while filling an inode limit. */
    private static final int WINDOW = 32;
    /** Creates sent per round while filling an inode limit (the first EDQUOT ends it). */
    private static final int ROUND = 512;

    /**
     * A quota's checks, in the order they run: the one list their ids come from, so that a check skipped because an
     * earlier one could not run is always one the quota has.
     */
    private enum Check {
        MKDIR_SCRATCH,
        STATFS,
        BYTES_OVER,
        BYTES_LIMIT,
        BYTES_APPEND,
        BYTES_TRUNCATE,
        BYTES_FREED,
        BYTES_RENAME_IN,
        INODES_LIMIT,
        INODES_FREED;

        String slug() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Whether quota {@code q} probed in {@code place} (null: none) has this check. */
        boolean of(QuotaSpec q, Place place) {
            return switch (this) {
                case MKDIR_SCRATCH -> place != null && place.scratch();
                case STATFS -> place != null;
                case BYTES_OVER, BYTES_LIMIT, BYTES_APPEND, BYTES_TRUNCATE, BYTES_FREED ->
                    q.maxBytes() != QuotaSpec.UNLIMITED;
                case BYTES_RENAME_IN -> q.maxBytes() != QuotaSpec.UNLIMITED && hasOutside(q);
                case INODES_LIMIT, INODES_FREED -> q.maxInodes() != QuotaSpec.UNLIMITED;
            };
        }
    }

    private final CheckLog log;
    private final Probing p;
    private final long maxCreates;
    /** The share's quotas: Tstatfs shows the figures of whichever containing one has the least room. */
    private final List<QuotaSpec> quotas;

    QuotaChecks(CheckLog log, Probing p, long maxCreates, List<QuotaSpec> quotas) {
        this.log = log;
        this.p = p;
        this.maxCreates = maxCreates;
        this.quotas = List.copyOf(quotas);
    }

    private GuestSession s() {
        return p.session();
    }

    /** One quota check (R-POL-6) of this share: {@code idPrefix/slug}. */
    private Attempt attempt(String idPrefix, Check check, String title) {
        return new Attempt(log, s(), idPrefix + "/" + check.slug(), p.share(), "R-POL-6", title);
    }

    private static Expected edquot(QuotaSpec q) {
        return Expected.deny(Errno.EDQUOT, List.of(q.id()));
    }

    /** Runs the checks of one quota in {@code place} (inside its scope), or skips them when there is none. */
    void run(QuotaSpec q, String idPrefix, Place place) throws IOException {
        String scope = "quota " + q.subtree() + " (" + limits(q) + ")";
        if (place == null) {
            skip(
                    q,
                    null,
                    idPrefix,
                    scope,
                    Check.STATFS,
                    Check.INODES_FREED,
                    "no place in " + q.subtree() + " where the policy lets this VM create, write and remove");
            return;
        }
        if (place.scratch() && !madeScratch(q, idPrefix, scope, place)) {
            skip(
                    q,
                    place,
                    idPrefix,
                    scope,
                    Check.STATFS,
                    Check.INODES_FREED,
                    "no scratch directory " + place.dir() + " (see " + Check.MKDIR_SCRATCH.slug() + ")");
            return;
        }
        try {
            statfs(q, idPrefix, scope, place);
            if (q.maxBytes() != QuotaSpec.UNLIMITED) {
                bytes(q, idPrefix, scope, place);
            }
            if (q.maxInodes() != QuotaSpec.UNLIMITED) {
                inodes(q, idPrefix, scope, place);
            }
        } finally {
            new Cleanup(s(), p.rootFid(), place.token()).removeIn(place.holder());
        }
    }

    private static String limits(QuotaSpec q) {
        return (q.maxBytes() == QuotaSpec.UNLIMITED ? "" : q.maxBytes() + " bytes")
                + (q.maxBytes() != QuotaSpec.UNLIMITED && q.maxInodes() != QuotaSpec.UNLIMITED ? ", " : "")
                + (q.maxInodes() == QuotaSpec.UNLIMITED ? "" : q.maxInodes() + " inodes");
    }

    /**
     * Makes the place's scratch directory, a check of its own: the policy lets this VM make it (that is how the place
     * was chosen), so any other answer is the gateway's failure, with its errno (before, an EIO there skipped every
     * check of the quota: a gateway that broke mkdir in quota scopes passed them, ComplianceMutantsTest). Only a scope
     * whose quota Tstatfs shows full is skipped: that is the share's state, not a refusal.
     */
    private boolean madeScratch(QuotaSpec q, String idPrefix, String scope, Place place) throws IOException {
        SharePath dir = place.dir();
        Attempt a = attempt(idPrefix, Check.MKDIR_SCRATCH, scope + ": mkdir of the suite's scratch directory " + dir);
        int parent = p.walk(a, dir.prefix(dir.depth() - 1));
        boolean made = false;
        if (parent >= 0) {
            Step mkdir = a.probe(s().mkdir(parent, Form.name(dir), 0755));
            made = mkdir.ok();
            QuotaRoom.skipIfFull(s(), a, mkdir, parent, "the quota's checks are skipped");
            s().release(parent);
        }
        a.finishIfOpen();
        return made;
    }

    /**
     * Tstatfs in the scope shows the quota's figures (docs/policy.md, "What df shows"): those of the containing quota
     * with the least room, or the host's where it has less, so never more free space or inodes than this quota's
     * limit ({@link QuotaFigures}). A gateway that passed the host's figures through promised the VM room its quota
     * does not give (before, nothing looked at them, ComplianceMutantsTest).
     */
    private void statfs(QuotaSpec q, String idPrefix, String scope, Place place) throws IOException {
        Attempt a = attempt(
                idPrefix, Check.STATFS, scope + ": tstatfs of " + place.dir() + " shows no more room than the quota");
        shownWrong(a, place, false, false).ifPresent(a::fail);
        a.finishIfOpen();
    }

    /**
     * Why a Tstatfs of the place (a probe of {@code a}) shows figures the quotas containing it do not allow, with a
     * byte or inode limit known to be reached; empty where they are right or none came.
     */
    private Optional<String> shownWrong(Attempt a, Place place, boolean bytesFull, boolean inodesFull)
            throws IOException {
        int dir = p.walk(a, place.dir());
        if (dir < 0) {
            return Optional.empty();
        }
        Step statfs = a.probe(s().statfs(dir));
        s().release(dir);
        if (!statfs.ok()) {
            return Optional.empty();
        }
        StatFs shown = ((RMessage.Rstatfs) statfs.reply().message()).statfs();
        List<QuotaSpec> covering =
                quotas.stream().filter(o -> place.dir().isWithin(o.subtree())).toList();
        return QuotaFigures.wrong(shown, covering, bytesFull, inodesFull)
                .map(why -> "tstatfs of " + place.dir() + " shows " + why);
    }

    // ---- bytes --------------------------------------------------------------------------------

    private void bytes(QuotaSpec q, String idPrefix, String scope, Place place) throws IOException {
        long limit = q.maxBytes();
        SharePath file = place.path("bytes");
        Attempt over = attempt(
                idPrefix,
                Check.BYTES_OVER,
                scope + ": a write making " + file + " " + (limit + 1) + " bytes long is EDQUOT");
        int fid = create(over, place, file);
        if (fid < 0) {
            over.finishIfOpen();
            skip(q, place, idPrefix, scope, Check.BYTES_LIMIT, Check.BYTES_RENAME_IN, "cannot create " + file);
            return;
        }
        Step past = over.probe(s().write(fid, limit, new byte[] {1}).expecting(edquot(q)));
        if (past.ok()) {
            s().setattr(fid, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0), "size 0");
            over.note("the file was truncated again");
        }
        over.finishIfOpen();
        if (past.ok()) {
            s().release(fid);
            skip(
                    q,
                    place,
                    idPrefix,
                    scope,
                    Check.BYTES_LIMIT,
                    Check.BYTES_RENAME_IN,
                    "the limit is not enforced (see bytes-over)");
            return;
        }
        long free = fill(fid, limit + 1);
        Attempt at = attempt(
                idPrefix,
                Check.BYTES_LIMIT,
                scope + ": the scope takes its free space and not one byte more, and tstatfs shows it full");
        Step more = at.probe(s().write(fid, free, new byte[] {1}).expecting(edquot(q)));
        at.note(free + " of " + limit + " bytes were free");
        boolean atLimit = more.errno() == Errno.EDQUOT;
        if (atLimit) {
            shownWrong(at, place, true, false).ifPresent(at::fail);
        }
        at.finishIfOpen();
        append(q, idPrefix, scope, file, free, atLimit);
        truncateGrow(q, idPrefix, scope, fid, file, free, atLimit);
        s().release(fid);
        boolean full = freed(q, idPrefix, scope, place, file, free, atLimit);
        renameIn(q, idPrefix, scope, place, full);
        emptied(place, file, place.path("bytes2"));
    }

    /**
     * Removes the byte checks' files before the inode checks: a directory's blocks count in bytes as it grows (as
     * ext4 quotas count them), so in a scope left full of bytes the inode checks' directory would be EDQUOT at its
     * next block, the byte limit's answer, not the inode limit's.
     */
    private void emptied(Place place, SharePath... files) throws IOException {
        Step dir = s().walkTo(p.rootFid(), place.dir());
        if (dir.ok()) {
            s().unlinkats(dir.newFid(), Arrays.stream(files).map(Form::name).toList(), 0, WINDOW);
            s().release(dir.newFid());
        }
    }

    /**
     * With the scope full, a Twrite at offset 0 through a fid opened O_APPEND is EDQUOT: the host puts it at the file's
     * end, whatever offset it names, so it grows the file (a gateway charging the growth from the offset sent let a
     * guest take any space by appending; before, no probe appended, ComplianceMutantsTest). On the suite's own file;
     * what a write let through added is truncated again.
     */
    private void append(QuotaSpec q, String idPrefix, String scope, SharePath file, long free, boolean atLimit)
            throws IOException {
        Attempt a = attempt(
                idPrefix,
                Check.BYTES_APPEND,
                scope + ": a write at offset 0 through an O_APPEND open of the full " + file + " is EDQUOT");
        if (!atLimit) {
            a.skip("the limit did not hold (see bytes-limit)");
            return;
        }
        int fid = p.walk(a, file);
        if (fid >= 0
                && a.setup(s().lopen(fid, GuestSession.O_WRONLY | GuestSession.O_APPEND))
                        .ok()) {
            Step grew = a.probe(s().write(fid, 0, new byte[] {1}).expecting(edquot(q)));
            if (grew.ok()) {
                Step back = s().setattr(fid, size(free), "size " + free);
                a.note(
                        back.ok()
                                ? "the file was truncated back to " + free + " bytes"
                                : "the file could not be truncated back to " + free + " bytes");
            }
        }
        p.release(fid);
        a.finishIfOpen();
    }

    /**
     * With the scope full, a Tsetattr growing the file by one byte (truncate(2) up) is EDQUOT, as the write was: a
     * gateway that counts writes but not a size set would let a guest take any space with sparse files.
     */
    private void truncateGrow(
            QuotaSpec q, String idPrefix, String scope, int fid, SharePath file, long free, boolean atLimit)
            throws IOException {
        Attempt a = attempt(
                idPrefix,
                Check.BYTES_TRUNCATE,
                scope + ": a setattr making " + file + " " + (free + 1) + " bytes long is EDQUOT");
        if (!atLimit) {
            a.skip("the limit did not hold (see bytes-limit)");
            return;
        }
        if (!s().oracle().decide(p.share(), OpKind.SETATTR, file).allowed()) {
            a.skip("the policy refuses setattr of " + file + " (its answer is not the quota's)");
            return;
        }
        Step grow =
                a.probe(s().setattr(fid, size(free + 1), "size " + (free + 1)).expecting(edquot(q)));
        if (grow.ok()) {
            s().setattr(fid, size(free), "size " + free);
            a.note("the file was truncated back to " + free + " bytes");
        }
        a.finishIfOpen();
    }

    /** A scope of the whole share has no outside in it to rename from (a rename between shares is EXDEV). */
    private static boolean hasOutside(QuotaSpec q) {
        return q.subtree().depth() > 0;
    }

    private static SetAttr size(long bytes) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, bytes, 0, 0, 0, 0);
    }

    /**
     * With the scope full, the suite's own file (outside the scope, {@link PlaceChecks#CONTENT} long) renamed into
     * it is EDQUOT: a rename carries its bytes into the scope as a write would. If the gateway moves it, it is moved
     * back.
     */
    private void renameIn(QuotaSpec q, String idPrefix, String scope, Place place, boolean full) throws IOException {
        if (!hasOutside(q)) {
            return;
        }
        SharePath from = p.ownFile();
        SharePath to = place.path("moved-in");
        Attempt a = attempt(
                idPrefix,
                Check.BYTES_RENAME_IN,
                scope + ": a rename of the suite's file " + from + " into the full scope (" + to + ") is EDQUOT");
        if (!full) {
            a.skip("the scope was not filled again (see bytes-limit, bytes-freed)");
            return;
        }
        if (from == null || from.isWithin(q.subtree())) {
            a.skip("the suite has no file of its own outside " + q.subtree());
            return;
        }
        if (!s().oracle()
                .decide(p.share(), OpKind.RENAME, from, to, Oracle.NO_GID)
                .allowed()) {
            a.skip("the policy refuses the rename of " + from + " to " + to + " (its answer is not the quota's)");
            return;
        }
        int oldDir = p.walk(a, from.prefix(from.depth() - 1));
        int newDir = oldDir < 0 ? -1 : p.walk(a, place.dir());
        if (newDir >= 0) {
            Step moved = a.probe(
                    s().renameat(oldDir, Form.name(from), newDir, Form.name(to)).expecting(edquot(q)));
            if (moved.ok()) {
                p.undoRename(a, to, from);
            }
        }
        p.release(oldDir, newDir);
        a.finishIfOpen();
    }

    /**
     * The largest size the file can grow to: bisection between what it has (accepted) and {@code refused},
     * growing only (each accepted write leaves the file at that size). Returns that size.
     */
    private long fill(int fid, long refused) throws IOException {
        long lo = 0;
        long hi = refused;
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            Step step = s().write(fid, mid - 1, new byte[] {1});
            if (step.ok()) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Whether the scope is full again: the file removed and a new one grown to the same size. */
    private boolean freed(
            QuotaSpec q, String idPrefix, String scope, Place place, SharePath file, long free, boolean atLimit)
            throws IOException {
        Attempt a = attempt(
                idPrefix, Check.BYTES_FREED, scope + ": removing the file frees its " + free + " bytes for a new one");
        if (!atLimit || free == 0) {
            a.skip(
                    free == 0
                            ? "the scope had no free bytes to begin with"
                            : "the limit did not hold (see bytes-limit)");
            return false;
        }
        boolean[] full = {false};
        Form.inParent(p, a, file, dir -> {
            if (a.probe(s().unlinkat(dir, Form.name(file), 0)).ok()) {
                SharePath again = place.path("bytes2");
                int fid = create(a, place, again);
                if (fid >= 0) {
                    full[0] = a.probe(s().write(fid, free - 1, new byte[] {1})).ok();
                    s().release(fid);
                }
            }
        });
        a.finishIfOpen();
        return full[0];
    }

    private int create(Attempt a, Place place, SharePath file) throws IOException {
        int dir = p.walk(a, place.dir());
        if (dir < 0) {
            return -1;
        }
        // A probe, not a setup: the policy lets this VM create here (the place was chosen so), and an answer other than
        // success is the gateway's failure, not a place missing on this host.
        Step made = a.probe(s().lcreate(
                        dir, Form.name(file), GuestSession.O_RDWR | GuestSession.O_CREAT | GuestSession.O_EXCL, 0644));
        if (!made.ok()) {
            QuotaRoom.skipIfFull(s(), a, made, dir, "the quota's byte checks are skipped");
            s().release(dir);
            return -1;
        }
        return dir; // the directory fid is now the new, open file
    }

    // ---- inodes -------------------------------------------------------------------------------

    private void inodes(QuotaSpec q, String idPrefix, String scope, Place place) throws IOException {
        long limit = q.maxInodes();
        Attempt a = attempt(
                idPrefix,
                Check.INODES_LIMIT,
                scope + ": creating entries in " + place.dir()
                        + " ends with EDQUOT at the limit, and tstatfs shows it full");
        // What the scope already holds counts against the limit: only the rest needs filling (a live share, or a
        // test's host-side content, may hold most of a large limit already).
        long used = Math.max(0, Listing.countBelow(s(), p.rootFid(), listedPart(q, place), limit));
        long needed = limit - used + 1;
        if (needed > maxCreates) {
            a.skip("filling a " + limit + "-inode limit (" + used + " in use as this VM lists the scope) takes up to "
                    + needed + " creates, more than --max-creates " + maxCreates);
            skip(q, place, idPrefix, scope, Check.INODES_FREED, Check.INODES_FREED, "the limit was not filled");
            return;
        }
        // Directories cost one request each and can be sent many at once; where the policy allows only files,
        // each takes a walk, a create and a clunk, one after the other.
        boolean dirs = s().oracle()
                .decide(p.share(), OpKind.MKDIR, place.path("i0"), null, s().gid())
                .allowed();
        int dir = p.walk(a, place.dir());
        if (dir < 0) {
            a.finishIfOpen();
            skip(q, place, idPrefix, scope, Check.INODES_FREED, Check.INODES_FREED, "cannot reach " + place.dir());
            return;
        }
        List<String> made = new ArrayList<>();
        Step refused = null;
        for (long next = 0; next < needed && refused == null; next += ROUND) {
            long from = next;
            List<String> names = IntStream.range(0, (int) Math.min(ROUND, needed - next))
                    .mapToObj(i -> place.name("i" + (from + i)))
                    .toList();
            List<Step> steps = dirs ? s().mkdirs(dir, names, WINDOW) : files(dir, names);
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i).ok()) {
                    made.add(names.get(i));
                } else if (refused == null) {
                    refused = steps.get(i);
                }
            }
        }
        if (refused == null) {
            a.fail(made.size() + " entries made with " + used + " already in the scope: more than the limit of "
                    + limit);
        } else {
            a.probe(refused.expecting(edquot(q)));
            a.note(made.size() + " entries made before the limit (" + used + " were in the scope)");
            if (refused.errno() == Errno.EDQUOT) {
                shownWrong(a, place, false, true).ifPresent(a::fail);
            }
            a.finishIfOpen();
        }
        Attempt freed =
                attempt(idPrefix, Check.INODES_FREED, scope + ": removing an entry frees its inode for a new one");
        if (refused == null || refused.errno() != Errno.EDQUOT || made.isEmpty()) {
            freed.skip(made.isEmpty() ? "no entry could be made" : "the limit did not hold (see inodes-limit)");
        } else if (freed.probe(s().unlinkat(dir, made.removeLast(), dirs ? GuestSession.AT_REMOVEDIR : 0))
                .ok()) {
            Step again = freed.probe(
                    dirs
                            ? s().mkdir(dir, place.name("again"), 0755)
                            : files(dir, List.of(place.name("again"))).getFirst());
            if (again.ok()) {
                made.add(place.name("again"));
            }
            freed.finishIfOpen();
        } else {
            freed.finishIfOpen();
        }
        s().unlinkats(dir, made, dirs ? GuestSession.AT_REMOVEDIR : 0, WINDOW);
        s().release(dir);
    }

    /**
     * Where to count what the scope holds: the scope itself, or, where the policy does not let this VM list it,
     * the shallowest directory on the way to the suite's place that it may list (what the VM cannot list is not
     * counted, so the limit can only come sooner than the count says).
     */
    private SharePath listedPart(QuotaSpec q, Place place) {
        for (int depth = q.subtree().depth(); depth < place.dir().depth(); depth++) {
            SharePath dir = place.dir().prefix(depth);
            if (s().oracle().decide(p.share(), OpKind.READDIR, dir).allowed()) {
                return dir;
            }
        }
        return place.dir();
    }

    /** Empty files, one Tlcreate each (on a fresh fid walked from {@code dir}, clunked at once). */
    private List<Step> files(int dir, List<String> names) throws IOException {
        List<Step> steps = new ArrayList<>();
        for (String name : names) {
            Step clone = s().walk(dir);
            if (!clone.ok()) {
                steps.add(clone);
                continue;
            }
            Step made = s().lcreate(
                            clone.newFid(),
                            name,
                            GuestSession.O_WRONLY | GuestSession.O_CREAT | GuestSession.O_EXCL,
                            0644);
            s().release(clone.newFid());
            steps.add(made);
            if (!made.ok()) {
                break; // the first refusal ends the round, as with directories
            }
        }
        return steps;
    }

    /** Skips the checks from {@code first} to {@code last} that quota {@code q} has, saying why. */
    private void skip(QuotaSpec q, Place place, String idPrefix, String scope, Check first, Check last, String why) {
        for (Check check : Check.values()) {
            if (check.compareTo(first) >= 0 && check.compareTo(last) <= 0 && check.of(q, place)) {
                attempt(idPrefix, check, scope + ": " + check.slug()).skip(why);
            }
        }
    }
}
