package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.ChokePoint.moving;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.fs.GuardedFs.Claim;
import io.p9gate.gateway.fs.GuardedFs.Count;
import io.p9gate.gateway.fs.GuardedFs.Pending;
import io.p9gate.gateway.fs.GuardedFs.Value;
import io.p9gate.gateway.fs.GuardedFs.XattrSlice;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.ByteBuffer;
import java.util.List;

/** Extended attributes: Txattrwalk, Txattrcreate, and the reads, writes and commit through their fids. */
final class GuardedXattrs extends GuardedRequests {
    GuardedXattrs(GuardContext context) {
        super(context);
    }

    /**
     * Txattrwalk of a name: the value, charged to the VM's xattr-bytes budget until {@link HeldXattr#release}.
     * {@code claim}: the fid it replaces (newfid == fid), as for {@link GuardedLookups#walk}.
     */
    public HeldXattr xattrGet(Subject who, FileHandle handle, String name, Claim claim) throws P9Exception {
        Node node = handle.node();
        return claiming(
                        claim,
                        () -> inspectAt(
                                Operation.XATTR_GET,
                                who,
                                handle,
                                new RequestArgs.Xattr(name),
                                () -> {
                                    GuestXattrs.checkName(name);
                                    GuestXattrs.checkReadable(name);
                                    GuestXattrs.checkHolder(node, false);
                                    return claimed(new Value(HeldXattr.charged(Xattrs.get(node, name))), claim);
                                },
                                moving(v -> v.held().bytes().length)))
                .held();
    }

    /** Txattrwalk of "": the names, charged as {@link #xattrGet}'s value is. */
    public HeldXattr xattrList(Subject who, FileHandle handle, Claim claim) throws P9Exception {
        Node node = handle.node();
        return claiming(
                        claim,
                        () -> inspectAt(
                                Operation.XATTR_LIST,
                                who,
                                handle,
                                RequestArgs.NONE,
                                () -> claimed(new Value(HeldXattr.charged(GuestXattrs.listed(node))), claim),
                                moving(v -> v.held().bytes().length)))
                .held();
    }

    /** A fetched xattr value, once {@code claim} is taken (else released: nothing holds it). */
    private static Value claimed(Value value, Claim claim) throws P9Exception {
        try {
            claim.claim();
            return value;
        } catch (P9Exception | RuntimeException e) {
            value.held().release();
            throw e;
        }
    }

    /**
     * Txattrcreate: decides whether the value may be written; the backend is touched at commit. {@code claim}: the
     * fid that becomes the value being written, claimed as for {@link GuardedOpens#open}.
     */
    public PendingXattr xattrCreate(Subject who, FileHandle handle, String name, long size, int flags, Claim claim)
            throws P9Exception {
        return claiming(
                        claim,
                        () -> guard.inspect(
                                Operation.XATTR_CREATE,
                                who,
                                handle.share().name(),
                                () -> List.of(hostPath(handle)),
                                new RequestArgs.XattrSet(name, size, flags),
                                () -> {
                                    // In setxattr(2)'s order: flags, name, size, then what the name may do.
                                    if ((flags & ~(Xattrs.XATTR_CREATE | Xattrs.XATTR_REPLACE)) != 0) {
                                        throw new P9Exception(
                                                Errno.EINVAL, "xattr flags 0x" + Integer.toHexString(flags));
                                    }
                                    GuestXattrs.checkName(name);
                                    if (size < 0 || size > Xattrs.MAX_VALUE) {
                                        throw new P9Exception(
                                                Errno.E2BIG,
                                                "xattr value of " + Long.toUnsignedString(size) + " bytes");
                                    }
                                    GuestXattrs.checkWritable(name);
                                    GuestXattrs.checkHolder(handle.node(), true);
                                    Pending pending = new Pending(new PendingXattr(name, (int) size, flags));
                                    try {
                                        claim.claim();
                                    } catch (P9Exception | RuntimeException e) {
                                        pending.xattr().release();
                                        throw e;
                                    }
                                    return pending;
                                },
                                NO_BYTES))
                .xattr();
    }

    /** Twrite on a Txattrcreate fid: fills the pending value. */
    public int writeXattr(Subject who, FileHandle handle, PendingXattr pending, long offset, ByteBuffer data)
            throws P9Exception {
        return guard.change(
                        Operation.WRITE,
                        data.remaining(),
                        who,
                        handle.share().name(),
                        () -> List.of(path(handle.share(), handle.node())),
                        new RequestArgs.XattrIo(pending.name(), offset),
                        () -> new Count(pending.write(offset, data)),
                        moving(Count::n))
                .n();
    }

    /** Tread on a Txattrwalk fid: a slice of the value (or name list) fetched at walk time. */
    public ByteBuf readXattr(Subject who, FileHandle handle, String name, byte[] value, long offset, int count)
            throws P9Exception {
        return inspectAt(
                        Operation.READ,
                        who,
                        handle,
                        new RequestArgs.XattrIo(name, offset),
                        () -> {
                            if (offset < 0 || offset > value.length) {
                                throw new P9Exception(
                                        Errno.EINVAL, "xattr read offset " + Long.toUnsignedString(offset));
                            }
                            int n = (int) Math.min(count, value.length - offset);
                            return new XattrSlice(Unpooled.copiedBuffer(value, (int) offset, n));
                        },
                        moving(x -> x.data().readableBytes()))
                .data();
    }

    /** Clunk of a Txattrcreate fid: sets (or, for an empty value, removes) the attribute. */
    public void commitXattr(Subject who, FileHandle handle, PendingXattr pending) throws P9Exception {
        LocalShare share = handle.share();
        Node node = handle.node();
        changeIn(
                Operation.XATTR_COMMIT,
                who,
                share,
                () -> List.of(hostPath(share, node)),
                new RequestArgs.XattrSet(pending.name(), pending.size(), pending.flags()),
                () -> {
                    byte[] value = pending.value();
                    if (value.length == 0) {
                        Xattrs.remove(node, pending.name());
                    } else {
                        quota.settingXattr(share, node, pending.name(), value.length, () -> {
                            Xattrs.set(node, pending.name(), value, pending.flags());
                            return DONE;
                        });
                    }
                    return DONE;
                });
    }
}
