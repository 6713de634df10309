package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An extended attribute value being written through a Txattrcreate fid: Twrites fill it, the
 * clunk commits it. A zero-size value removes the attribute (as the Linux client expects).
 */
public final class PendingXattr {
    private final String name;
    private final int flags;
    private final byte[] value;
    private int written;

    public PendingXattr(String name, int size, int flags) {
        this.name = name;
        this.flags = flags;
        this.value = new byte[size];
    }

    public String name() {
        return name;
    }

    public int flags() {
        return flags;
    }

    /**
     * Fills {@code data} in at {@code offset}: a negative offset (2^63 and above on the wire) is EINVAL, a write past
     * the size Txattrcreate announced EFBIG, as pwrite(2) answers past a file's maximum size. The bound is checked
     * without computing {@code offset + n}, which overflows for offsets near 2^63.
     */
    synchronized int write(long offset, ByteBuffer data) throws P9Exception {
        int n = data.remaining();
        if (offset < 0) {
            throw new P9Exception(Errno.EINVAL, "xattr write at negative offset " + offset);
        }
        if (offset > value.length - n) {
            throw new P9Exception(Errno.EFBIG, "xattr write beyond the announced size of " + value.length);
        }
        data.get(data.position(), value, (int) offset, n);
        written = Math.max(written, (int) offset + n);
        return n;
    }

    /** The complete value; EINVAL if fewer bytes were written than Txattrcreate announced. */
    synchronized byte[] value() throws P9Exception {
        if (written != value.length) {
            throw new P9Exception(Errno.EINVAL, "xattr value incomplete: " + written + " of " + value.length);
        }
        return Arrays.copyOf(value, value.length);
    }
}
