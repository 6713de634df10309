package io.p9gate.bench.load;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/** One attached 9P session: the client, the root fid and fresh fids for the workloads. */
final class LoadSession implements AutoCloseable {
    static final int ROOT_FID = 0;
    /** Like the Linux client: the first attach as root with no numeric uname override. */
    private static final String UNAME = "root";

    private static final int N_UNAME = 0;
    private static final int IOHDRSZ = 24;
    private static final int AT_REMOVEDIR = 0x200;

    private final P9Client client;
    private final AtomicInteger nextFid = new AtomicInteger(ROOT_FID + 1);
    private volatile boolean unlinkatWorks = true;

    private LoadSession(P9Client client) {
        this.client = client;
    }

    static LoadSession open(Endpoint server, String aname, int msize) throws IOException, P9Exception {
        P9Client client = server.open(msize);
        try {
            client.attach(ROOT_FID, UNAME, aname, N_UNAME);
            return new LoadSession(client);
        } catch (IOException | P9Exception | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    P9Client client() {
        return client;
    }

    int newFid() {
        return nextFid.getAndIncrement();
    }

    /** A fid for {@code names} below the root (the root itself when none). */
    int walkFromRoot(String... names) throws IOException, P9Exception {
        int fid = newFid();
        client.walk(ROOT_FID, fid, names);
        return fid;
    }

    /**
     * Tunlinkat, or walk + Tremove where the server does not implement it (diod answers
     * EOPNOTSUPP; the Linux client falls back the same way). After the first EOPNOTSUPP the
     * session goes straight to the fallback, so a server is not charged for the refused call.
     */
    void unlink(int dirFid, String name, boolean directory) throws IOException, P9Exception {
        if (unlinkatWorks) {
            try {
                client.unlinkat(dirFid, name, directory ? AT_REMOVEDIR : 0);
                return;
            } catch (P9Exception e) {
                if (e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
                unlinkatWorks = false;
            }
        }
        int fid = newFid();
        client.walk(dirFid, fid, name);
        client.remove(fid); // Tremove clunks the fid, even when it fails
    }

    /**
     * Bytes per Tread/Twrite: the iounit the server gave in Rlopen/Rlcreate, else msize minus
     * P9_IOHDRSZ (24, as the Linux client reckons it; diod rejects anything larger).
     */
    int ioChunk(int serverIounit) {
        int byMsize = client.msize() - IOHDRSZ;
        return serverIounit > 0 ? Math.min(serverIounit, byMsize) : byMsize;
    }

    @Override
    public void close() {
        client.close();
    }
}
