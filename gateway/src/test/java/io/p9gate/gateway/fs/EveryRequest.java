package io.p9gate.gateway.fs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.proto.Wstats;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A session script that sends every {@link FileRequest} type once or more, each succeeding, against a share
 * holding a file {@code f} (content "content") with fid 0 attached to its root (R-POL-2, R-AUD-1).
 */
public final class EveryRequest {
    /**
     * One request, the operation of its (last) audit record, and how many guarded calls it makes: one, but for a
     * Tcreate, which is decided as the getattr of its directory and then as its 9P2000.L twin, and a Twstat, decided
     * as the getattr of the file's type and a Tsetattr; and how many records they leave: one each, but for an ORCLOSE
     * Topen, which first asks the policy the removal's question and records it only if refused (open(5)).
     */
    public record Step(FileRequest request, Operation op, int decisions, int records) {
        public Step(FileRequest request, Operation op, int decisions) {
            this(request, op, decisions, decisions);
        }

        public Step(FileRequest request, Operation op) {
            this(request, op, 1);
        }
    }

    private EveryRequest() {}

    public static List<Step> steps() {
        return List.of(
                new Step(new TMessage.Tauth(9, "u", "share", 0), Operation.AUTH),
                new Step(new TMessage.Tattach(1, TMessage.NOFID, "u", "share", 0), Operation.ATTACH),
                new Step(new TMessage.Twalk(0, 2, List.of("f")), Operation.WALK),
                new Step(new TMessage.Tlopen(2, 2), Operation.OPEN),
                new Step(new TMessage.Tread(2, 0, 100), Operation.READ),
                new Step(new TMessage.Twrite(2, 0, bytes("C")), Operation.WRITE),
                new Step(new TMessage.Tfsync(2, 0), Operation.FSYNC),
                new Step(new TMessage.Tlock(2, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 0, 1, "c"), Operation.LOCK),
                new Step(new TMessage.Tgetlock(2, LockConstants.LOCK_TYPE_RDLCK, 0, 0, 1, "c"), Operation.GETLOCK),
                new Step(new TMessage.Tgetattr(2, 0x3fff), Operation.GETATTR),
                new Step(new TMessage.Tstat(2), Operation.GETATTR),
                new Step(
                        new TMessage.Tsetattr(2, new SetAttr(SetAttr.SETATTR_MODE, 0600, 0, 0, 0, 0, 0, 0, 0)),
                        Operation.SETATTR),
                // Twstat: a chmod is the getattr of the file's type and a Tsetattr.
                new Step(Wstats.chmod(2, 0640), Operation.SETATTR, 2),
                new Step(new TMessage.Tstatfs(0), Operation.STATFS),
                new Step(new TMessage.Twalk(0, 3, List.of()), Operation.WALK),
                new Step(new TMessage.Tlcreate(3, "new", 2, 0644, 0), Operation.CREATE),
                new Step(new TMessage.Tmkdir(0, "d", 0755, 0), Operation.MKDIR),
                new Step(new TMessage.Tsymlink(0, "l", "f", 0), Operation.SYMLINK),
                new Step(new TMessage.Twalk(0, 4, List.of("l")), Operation.WALK),
                new Step(new TMessage.Treadlink(4), Operation.READLINK),
                new Step(new TMessage.Tmknod(0, "p", 0010644, 0, 0, 0), Operation.MKNOD),
                new Step(new TMessage.Tlink(0, 2, "hard"), Operation.LINK),
                new Step(new TMessage.Twalk(0, 5, List.of("hard")), Operation.WALK),
                new Step(new TMessage.Trename(5, 0, "hard2"), Operation.RENAME),
                new Step(new TMessage.Trenameat(0, "hard2", 0, "hard3"), Operation.RENAME),
                new Step(new TMessage.Tunlinkat(0, "hard3", 0), Operation.REMOVE),
                new Step(new TMessage.Twalk(0, 6, List.of()), Operation.WALK),
                new Step(new TMessage.Tlopen(6, 0), Operation.OPEN),
                new Step(new TMessage.Treaddir(6, 0, 4096), Operation.READDIR),
                new Step(new TMessage.Txattrwalk(2, 7, ""), Operation.XATTR_LIST),
                new Step(new TMessage.Tread(7, 0, 100), Operation.READ),
                new Step(new TMessage.Twalk(0, 8, List.of("f")), Operation.WALK),
                new Step(new TMessage.Txattrcreate(8, "user.a", 1, 0), Operation.XATTR_CREATE),
                new Step(new TMessage.Twrite(8, 0, bytes("v")), Operation.WRITE),
                new Step(new TMessage.Tclunk(8), Operation.XATTR_COMMIT),
                new Step(new TMessage.Txattrwalk(2, 9, "user.a"), Operation.XATTR_GET),
                new Step(new TMessage.Tclunk(6), Operation.CLUNK),
                // 9P2000/.u: Topen, a directory read as stat entries, and ORCLOSE's removal at clunk.
                new Step(new TMessage.Twalk(0, 10, List.of()), Operation.WALK),
                new Step(new TMessage.Topen(10, 0), Operation.OPEN),
                new Step(new TMessage.Tread(10, 0, 4096), Operation.READDIR),
                new Step(new TMessage.Tclunk(10), Operation.CLUNK),
                new Step(new TMessage.Twalk(0, 11, List.of("new")), Operation.WALK),
                new Step(new TMessage.Topen(11, 0x40), Operation.OPEN, 2, 1),
                new Step(new TMessage.Tclunk(11), Operation.REMOVE),
                new Step(new TMessage.Twalk(0, 12, List.of()), Operation.WALK),
                new Step(new TMessage.Tcreate(12, "c9", 0644, 2, Optional.empty()), Operation.CREATE, 2),
                new Step(new TMessage.Tclunk(12), Operation.CLUNK),
                // Twstat of a name: a Trename within the file's directory.
                new Step(new TMessage.Twalk(0, 13, List.of("c9")), Operation.WALK),
                new Step(Wstats.rename(13, "c10"), Operation.RENAME),
                new Step(new TMessage.Tclunk(13), Operation.CLUNK),
                new Step(new TMessage.Tremove(4), Operation.REMOVE));
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
    }
}
