package io.p9gate.gateway.fs;

import static io.p9gate.gateway.fs.ChokePoint.NO_BYTES;
import static io.p9gate.gateway.fs.PrePolicyRefusals.NO_SHARE_RULE;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.fs.ChokePoint.Refusal;
import io.p9gate.gateway.fs.GuardedFs.Attached;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.List;

/** Tauth, Tattach and a Tclunk that only closes: the requests that begin and end a fid's life (attach(5), clunk(5)). */
final class GuardedSession extends GuardedRequests {
    GuardedSession(GuardContext context) {
        super(context);
    }

    public void auth(Subject who, String aname) throws P9Exception {
        guard.inspect(
                Operation.AUTH,
                who,
                aname,
                () -> List.of(),
                RequestArgs.NONE,
                () -> {
                    throw new P9Exception(
                            Errno.ENOENT, "no authentication required: identity comes from the transport");
                },
                NO_BYTES);
    }

    /**
     * Tattach of the share {@code aname} names among this session's {@code shares}; an empty aname names the only
     * share when there is exactly one. Another VM's share, or none, is ENOENT, and recorded.
     */
    public Attached attach(Subject who, String aname, SessionShares shares) throws P9Exception {
        LocalShare share = shares.named(aname);
        if (share == null) {
            throw guard.refused(
                    Operation.ATTACH,
                    who,
                    aname,
                    () -> List.of(""),
                    RequestArgs.NONE,
                    new Refusal(Errno.ENOENT, NO_SHARE_RULE, ""));
        }
        shares.attaching(share); // before the decision: a reload taking the share away sees it (SessionShares)
        try {
            return guard.inspect(
                    Operation.ATTACH,
                    who,
                    share.name(),
                    () -> List.of(""),
                    RequestArgs.NONE,
                    () -> {
                        ShareRoot.Found root = share.attachRoot(); // ESTALE once the host removed the directory
                        return new Attached(
                                new FileHandle(share, root.node()),
                                share.root().qids().qid(root.stat()));
                    },
                    NO_BYTES);
        } catch (P9Exception | RuntimeException e) {
            shares.refused(share);
            throw e;
        }
    }

    /**
     * A Tclunk that only closes: the fid is freed whatever is decided (clunk(5)), so a refusal is recorded but
     * answered Rclunk; only a failed record is the guest's error. It touches no file and no policy refuses it, so a
     * handle known by a name removed while its file lives on is recorded on that name, and one the host moved out of
     * the share on the name it was last known by in it, as allowed: placing it (ESTALE or EACCES where it cannot be)
     * is for requests that reach the file.
     */
    public void clunk(Subject who, FileHandle handle) throws P9Exception {
        LocalShare share = handle.share();
        try {
            guard.inspect(
                    Operation.CLUNK,
                    who,
                    share.name(),
                    () -> List.of(share.root().closingPath(handle.node())),
                    RequestArgs.NONE,
                    () -> DONE,
                    NO_BYTES);
        } catch (RecordedRefusal refused) {
            // Recorded as refused; the fid is freed by the caller all the same.
        }
    }
}
