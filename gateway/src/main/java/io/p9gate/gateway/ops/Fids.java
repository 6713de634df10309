package io.p9gate.gateway.ops;

import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The fid table of one session; safe for the concurrent requests of that session. */
final class Fids {
    private final ConcurrentHashMap<Integer, Fid> table = new ConcurrentHashMap<>();

    Fid get(int fid) throws P9Exception {
        Fid f = table.get(fid);
        if (f == null) {
            throw new P9Exception(Errno.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
        }
        return f;
    }

    /**
     * Checked before a request does any work, so that a walk or attach into a taken fid number
     * is refused before it is decided (the install re-checks, atomically).
     */
    void requireFree(int fid) throws P9Exception {
        if (table.containsKey(fid)) {
            throw new P9Exception(Errno.EINVAL, "fid " + Integer.toUnsignedString(fid) + " in use");
        }
    }

    /** A walk's newfid must be free, unless it is the walked fid itself. */
    void requireUsableNewfid(int fid, int newfid) throws P9Exception {
        if (newfid != fid) {
            requireFree(newfid);
        }
    }

    /** Fails with EINVAL if the number is taken. */
    void add(int fid, Fid value) throws P9Exception {
        if (table.putIfAbsent(fid, value) != null) {
            throw new P9Exception(Errno.EINVAL, "fid " + Integer.toUnsignedString(fid) + " in use");
        }
    }

    /** Swaps a fid's value if nobody changed it meanwhile (EBADF otherwise). */
    void replace(int fid, Fid expected, Fid value) throws P9Exception {
        if (!table.replace(fid, expected, value)) {
            throw new P9Exception(Errno.EBADF, "fid " + Integer.toUnsignedString(fid) + " changed concurrently");
        }
    }

    /**
     * Installs the result of a walk (or xattrwalk): as a new fid, or in place of {@code fid} when
     * newfid == fid, releasing what it replaced. If it cannot be installed, {@code value} is released.
     */
    void install(int fid, Fid previous, int newfid, Fid value, LockTable locks) throws P9Exception {
        try {
            if (newfid == fid) {
                replace(fid, previous, value);
            } else {
                add(newfid, value);
            }
        } catch (P9Exception e) {
            value.release(locks);
            throw e;
        }
        if (newfid == fid) {
            previous.release(locks);
        }
    }

    Fid remove(int fid) throws P9Exception {
        Fid f = table.remove(fid);
        if (f == null) {
            throw new P9Exception(Errno.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
        }
        return f;
    }

    List<Fid> drain() {
        List<Fid> all = new ArrayList<>();
        for (Integer fid : List.copyOf(table.keySet())) {
            Fid f = table.remove(fid);
            if (f != null) {
                all.add(f);
            }
        }
        return all;
    }
}
