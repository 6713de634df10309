package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.GuardedFs.entryPath;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.fs.ChokePoint.RequestPaths;
import io.p9gate.gateway.fs.GuardedFs.DescribedListing;
import io.p9gate.gateway.fs.GuardedFs.ListedEntry;
import io.p9gate.gateway.fs.GuardedFs.Listing;
import io.p9gate.gateway.fs.GuardedFs.Result;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.List;

/**
 * Directory reads (Treaddir, and the stat(5) entries of a 9P2000/.u read): one READDIR decision each, over the
 * entries the guest may see (R-POL-4), with opaque cookies ({@link DirCookies}).
 */
final class GuardedListings extends GuardedRequests {
    /** (u32)-1: no host file has it, and every map shows it as its overflow id. */
    private static final int NO_HOST_ID = -1;

    private final VisibleEntries visible;
    private final DirCookies cookies;

    GuardedListings(GuardContext context, VisibleEntries visible, DirCookies cookies) {
        super(context);
        this.visible = visible;
        this.cookies = cookies;
    }

    /**
     * Treaddir: {@code offset} is 0 or a cookie of an earlier reply, and every cookie of the reply is opaque
     * ({@link DirCookies}): a host position would say where hidden entries are (R-POL-4).
     */
    public List<DirEntry> readdir(Subject who, FileHandle handle, OpenHandle opened, long offset, int count)
            throws P9Exception {
        return list(
                        who,
                        handle,
                        opened,
                        offset,
                        cookies.toHost(offset),
                        count,
                        false,
                        (share, dir, dirPath, listed) -> new Listing(
                                listed.stream().map(j -> opaque(j.entry())).toList()))
                .entries();
    }

    private DirEntry opaque(DirEntry e) {
        return new DirEntry(e.qid(), cookies.toGuest(e.offset()), e.type(), e.name());
    }

    /** What one directory read makes of the visible entries it listed. */
    @FunctionalInterface
    private interface ListingOf<T extends Result> {
        T of(LocalShare share, Node dir, String dirPath, List<VisibleEntries.Judged> listed) throws P9Exception;
    }

    /**
     * One READDIR decision and record over the entries the guest may see (hidden names left out): the record has
     * the {@code offset} the guest sent, the read starts at host position {@code from}.
     */
    private <T extends Result> T list(
            Subject who,
            FileHandle handle,
            OpenHandle opened,
            long offset,
            long from,
            int count,
            boolean describe,
            ListingOf<T> shown)
            throws P9Exception {
        LocalShare share = handle.share();
        Node dir = handle.node();
        OpenFile file = opened.file();
        // On the kernel's path, as a change is: of the reads through a held fid, a listing is the one that shows what
        // was put in the directory since, and the host may have moved it under a hidden subtree or out of the share
        // (adversarial.HostMovedListingAttackTest). One readlink per Treaddir.
        RequestPaths paths = RequestPaths.of(() -> List.of(hostPath(share, dir)));
        return guard.inspect(
                Operation.READDIR,
                who,
                share.name(),
                paths,
                new RequestArgs.FileIo(offset),
                () -> {
                    String dirPath = paths.get().getFirst();
                    return shown.of(
                            share, dir, dirPath, visible.next(who, share, dir, dirPath, file, from, count, describe));
                },
                NO_BYTES);
    }

    /**
     * A directory read of 9P2000 and 9P2000.u, whose entries are whole stat(5) entries: the same READDIR decision,
     * record and hidden-name filtering as {@link #readdir}, and each listed entry described as getattr would
     * describe it (looked up beneath the directory, never following a symlink). Listing a directory shows what
     * stat shows of its entries, as `ls -l` over 9P2000.L shows it after a walk and getattr of each; an entry
     * removed between the listing and its lookup is left out, and one the policy would refuse that walk or getattr
     * shows only its name, qid and type.
     *
     * @param offset the byte offset the guest sent, which the record has (a host cookie there meant nothing)
     * @param cookie the host position to read from (0, or a cookie this method returned)
     * @param count  bytes of 9P2000.L directory entries to list at most (the caller packs what fits of them)
     */
    public List<ListedEntry> readdirDescribed(
            Subject who, FileHandle handle, OpenHandle opened, long offset, long cookie, int count) throws P9Exception {
        return list(
                        who,
                        handle,
                        opened,
                        offset,
                        cookie,
                        count,
                        true,
                        (share, dir, dirPath, listed) -> describe(who, share, dir, dirPath, listed))
                .entries();
    }

    private DescribedListing describe(
            Subject who, LocalShare share, Node dir, String dirPath, List<VisibleEntries.Judged> listed)
            throws P9Exception {
        List<ListedEntry> entries = new ArrayList<>(listed.size());
        for (VisibleEntries.Judged j : listed) {
            DirEntry e = j.entry();
            if (!j.described()) {
                // Over 9P2000.L the guest could not walk to it or get its attributes: the listing's stat entry must
                // not show them either (size, times, owner, mode), only what Treaddir shows (name, qid, type).
                entries.add(new ListedEntry(e.name(), undescribed(e), e.offset()));
                continue;
            }
            try (Node node = share.root().lookup(dir, e.name())) {
                entries.add(new ListedEntry(
                        e.name(), shownAttr(who, share, node, entryPath(dirPath, e.name())), e.offset()));
            } catch (P9Exception failed) {
                if (failed.errno() == Errno.EACCES) {
                    // Where the host's permissions are enforced, a directory its user may read but not search lists
                    // its names, as Treaddir does, but none can be looked up: the entry shows what Treaddir shows.
                    entries.add(new ListedEntry(e.name(), undescribed(e), e.offset()));
                } else if (failed.errno() != Errno.ENOENT) {
                    throw failed;
                }
            }
        }
        return new DescribedListing(entries);
    }

    /**
     * What a described listing shows of an entry whose attributes the guest may not get: Treaddir's qid and type (a
     * dirent's DT_* is its S_IFMT >> 12), one link, the VM's overflow owner (what its map shows of (u32)-1, a host id
     * no range or squash holds; never guest nobody, who would own the entry in the guest), nothing else.
     */
    private Attr undescribed(DirEntry e) {
        return new Attr(
                0,
                e.qid(),
                (e.type() & 0xf) << 12,
                ownership.ids().uidToGuest(NO_HOST_ID),
                ownership.ids().gidToGuest(NO_HOST_ID),
                1,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0);
    }
}
