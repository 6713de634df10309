package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.ChokePoint.moving;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.fs.ChokePoint.RequestPaths;
import io.p9gate.gateway.fs.GuardedFs.Count;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.ByteBuffer;
import java.util.List;

/** Tread, Twrite and Tfsync through an open file. */
final class GuardedIo extends GuardedRequests {
    GuardedIo(GuardContext context) {
        super(context);
    }

    public int read(Subject who, FileHandle handle, OpenHandle opened, long offset, ByteBuffer dst) throws P9Exception {
        return inspectAt(
                        Operation.READ,
                        who,
                        handle,
                        new RequestArgs.FileIo(offset),
                        () -> new Count(handle.share().io().read(opened.file(), offset, dst)),
                        moving(Count::n))
                .n();
    }

    public int write(Subject who, FileHandle handle, OpenHandle opened, long offset, ByteBuffer src)
            throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        OpenFile file = opened.file();
        int length = src.remaining();
        boolean append = (file.flags() & LinuxSyscalls.O_APPEND) != 0;
        long moves = quota.moves();
        RequestPaths paths = RequestPaths.of(() -> List.of(path(share, node)));
        return guard.change(
                        Operation.WRITE,
                        length,
                        who,
                        share.name(),
                        paths,
                        new RequestArgs.FileIo(offset, opened.syncsWrites()),
                        () -> {
                            Count written;
                            try {
                                written = new Count(quota.resizing(
                                        share,
                                        node,
                                        paths.at(0),
                                        moves,
                                        before -> append ? length : offset + length - before,
                                        // pwrite(2) of no bytes leaves the size, whatever the offset
                                        (before, n) ->
                                                n == 0 ? before : Math.max(before, (append ? before : offset) + n),
                                        was -> {
                                            SetIdBits.Taken taken = length > 0
                                                    ? SetIdBits.writing(share.root(), node, ownershipIn(share), was)
                                                    : SetIdBits.Taken.NOTHING;
                                            try {
                                                return share.io().write(file, offset, src);
                                            } catch (P9Exception e) {
                                                // no lambda: nothing allocated per write that succeeds
                                                if (!SetIdBits.clearedBeforeFailing(e)) {
                                                    taken.givenBackAfter(e);
                                                }
                                                throw e;
                                            } catch (RuntimeException e) {
                                                taken.givenBackAfter(e);
                                                throw e;
                                            }
                                        }));
                            } catch (P9Exception e) {
                                // The host's ENOSPC or EDQUOT, and the quota's own EDQUOT before the pwrite: Linux's
                                // disk quota refuses from the block allocation, after its clearing, as a full disk.
                                if (length > 0 && SetIdBits.clearedBeforeFailing(e)) {
                                    SetIdBits.modifiedBefore(e, share.root(), node, who.uid(), ownershipIn(share));
                                }
                                throw e;
                            }
                            if (length > 0) {
                                SetIdBits.modified(share.root(), node, who.uid(), ownershipIn(share));
                            }
                            return written;
                        },
                        moving(Count::n))
                .n();
    }

    /**
     * Tfsync, asked with the flags the fid was opened with: an fsync of a file opened only for reading changes
     * nothing the guest may not read (fsync(2) on an O_RDONLY descriptor succeeds on a read-only mount), so it is
     * asked OPEN_READ; otherwise OPEN_WRITE, as the writes it makes durable were.
     */
    public void fsync(Subject who, FileHandle handle, OpenHandle opened, boolean dataOnly) throws P9Exception {
        inspectAt(
                Operation.FSYNC,
                who,
                handle,
                new RequestArgs.Open(opened.file().flags()),
                () -> {
                    handle.share().io().fsync(opened.file(), dataOnly);
                    return DONE;
                },
                NO_BYTES);
    }
}
