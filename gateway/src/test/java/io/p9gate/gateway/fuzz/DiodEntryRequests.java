package io.p9gate.gateway.fuzz;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.util.List;

/**
 * diod 1.0.24 answers Tunlinkat and Trenameat EOPNOTSUPP (the Linux client then walks to the name and sends Tremove
 * or Trename). To keep its tree the reference's, the fuzzer does what the client does, with unlinkat(2)'s checks of
 * the entry's type.
 */
final class DiodEntryRequests {
    private static final int SCRATCH_FID = 4000;
    private static final int AT_REMOVEDIR = 0x200;

    private DiodEntryRequests() {}

    static String renameat(P9Client diod, TMessage.Trenameat request) throws IOException {
        try {
            diod.walk(request.newDirFid(), SCRATCH_FID);
            diod.clunk(SCRATCH_FID);
            diod.walk(request.oldDirFid(), SCRATCH_FID, request.oldName());
            try {
                diod.rpc(new TMessage.Trename(SCRATCH_FID, request.newDirFid(), request.newName()));
            } finally {
                diod.clunk(SCRATCH_FID);
            }
            return "Rrenameat[]";
        } catch (P9Exception e) {
            return "Rlerror " + e.errno();
        }
    }

    static String unlinkat(P9Client diod, TMessage.Tunlinkat request) throws IOException {
        try {
            diod.walk(request.dirFid(), SCRATCH_FID);
            diod.clunk(SCRATCH_FID);
            if ((request.flags() & ~AT_REMOVEDIR) != 0) {
                return "Rlerror EINVAL";
            }
            List<Qid> qids = diod.walk(request.dirFid(), SCRATCH_FID, request.name());
            if (qids.isEmpty()) {
                diod.clunk(SCRATCH_FID);
                return "Rlerror ENOENT";
            }
            boolean directory = (qids.getFirst().type() & 0x80) != 0;
            if (directory != (request.flags() == AT_REMOVEDIR)) {
                diod.clunk(SCRATCH_FID);
                return directory ? "Rlerror EISDIR" : "Rlerror ENOTDIR";
            }
            diod.remove(SCRATCH_FID);
            return "Runlinkat[]";
        } catch (P9Exception e) {
            return "Rlerror " + e.errno();
        }
    }
}
