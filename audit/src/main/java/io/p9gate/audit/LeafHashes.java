package io.p9gate.audit;

import java.util.Arrays;

/** A growable array of 32-byte leaf hashes in one contiguous block (offline tools hold millions of them). */
public final class LeafHashes {
    private byte[] data = new byte[Hashes.SIZE * 1024];
    private long size;

    public void add(byte[] hash) {
        long end = (size + 1) * Hashes.SIZE;
        if (end > data.length) {
            data = Arrays.copyOf(
                    data, Math.toIntExact(Math.min(Integer.MAX_VALUE - 8L, Math.max(end, 2L * data.length))));
        }
        System.arraycopy(hash, 0, data, Math.toIntExact(size * Hashes.SIZE), Hashes.SIZE);
        size++;
    }

    public byte[] get(long index) {
        int off = Math.toIntExact(index * Hashes.SIZE);
        return Arrays.copyOfRange(data, off, off + Hashes.SIZE);
    }

    public long size() {
        return size;
    }
}
