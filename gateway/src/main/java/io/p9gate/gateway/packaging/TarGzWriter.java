package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a POSIX ustar archive, gzip-compressed, so that the same entries always give the same bytes: entries in
 * the order given (callers sort), one fixed mtime, owner root:root (0:0), the modes of the entries, and a gzip
 * header without file name or time ({@link GZIPOutputStream} writes mtime 0 and no name). GNU tar, busybox tar
 * and bsdtar read it.
 */
final class TarGzWriter {
    private static final int BLOCK = 512;
    /** GNU tar's default record size (20 blocks); archives are padded to it, as tar itself does. */
    private static final int RECORD = 20 * BLOCK;

    private static final int NAME_MAX = 100;
    private static final int PREFIX_MAX = 155;

    private TarGzWriter() {}

    /** Writes {@code entries} (already in archive order) with every mtime set to {@code mtimeSeconds}. */
    static void write(List<TreeEntry> entries, long mtimeSeconds, OutputStream out) throws IOException {
        write(entries, mtimeSeconds, out, archived -> {});
    }

    /**
     * As {@link #write(List, long, OutputStream)}, telling {@code archived} after each entry how many bytes of the
     * entries' files are archived so far (of {@link #fileBytes}): compressing a package's runtime takes ~25 s.
     */
    static void write(List<TreeEntry> entries, long mtimeSeconds, OutputStream out, LongConsumer archived)
            throws IOException {
        // Deflate's default level 6: level 9 took ~50 % more CPU for a 0.2 % smaller tarball (infotainment).
        GZIPOutputStream gzip = new GZIPOutputStream(out, 1 << 16);
        long written = 0;
        long files = 0;
        for (TreeEntry entry : entries) {
            long size = bytesOf(entry); // once: the header's size is the one the copy is checked against
            written += writeEntry(gzip, entry, size, mtimeSeconds);
            files += size;
            archived.accept(files);
        }
        byte[] end = new byte[(int) (2 * BLOCK + padding(written + 2 * BLOCK, RECORD))];
        gzip.write(end);
        gzip.finish();
    }

    /** @param size the bytes of a regular file's source ({@link #bytesOf}), 0 for the others */
    private static long writeEntry(OutputStream out, TreeEntry entry, long size, long mtime) throws IOException {
        return switch (entry) {
            case TreeEntry.Directory dir -> {
                out.write(header(dir.path() + "/", dir.mode(), 0, mtime, '5', ""));
                yield BLOCK;
            }
            case TreeEntry.Symlink link -> {
                out.write(header(link.path(), 0777, 0, mtime, '2', link.target()));
                yield BLOCK;
            }
            case TreeEntry.RegularFile file -> {
                out.write(header(file.path(), file.mode(), size, mtime, '0', ""));
                long copied;
                try (InputStream in = Files.newInputStream(file.source())) {
                    copied = in.transferTo(out);
                }
                if (copied != size) {
                    throw new IOException(file.source() + " changed while it was archived");
                }
                int pad = (int) padding(size, BLOCK);
                out.write(new byte[pad]);
                yield BLOCK + size + pad;
            }
        };
    }

    /** The bytes of the entries' files, as {@code write} counts them archived. */
    static long fileBytes(List<TreeEntry> entries) throws IOException {
        long total = 0;
        for (TreeEntry entry : entries) {
            total += bytesOf(entry);
        }
        return total;
    }

    /** The bytes of a regular file's source now, 0 for a directory or a symlink. */
    private static long bytesOf(TreeEntry entry) throws IOException {
        return entry instanceof TreeEntry.RegularFile file ? Files.size(file.source()) : 0;
    }

    private static long padding(long length, int unit) {
        return (unit - length % unit) % unit;
    }

    /** One ustar header block. */
    static byte[] header(String name, int mode, long size, long mtime, char type, String linkName) throws IOException {
        byte[] h = new byte[BLOCK];
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length <= NAME_MAX) {
            put(h, 0, NAME_MAX, nameBytes);
        } else {
            int split = splitPoint(nameBytes);
            if (split < 0) {
                throw new IOException("path too long for a ustar archive: " + name);
            }
            put(h, 345, PREFIX_MAX, Arrays.copyOfRange(nameBytes, 0, split));
            put(h, 0, NAME_MAX, Arrays.copyOfRange(nameBytes, split + 1, nameBytes.length));
        }
        byte[] link = linkName.getBytes(StandardCharsets.UTF_8);
        if (link.length > NAME_MAX) {
            throw new IOException("link target too long for a ustar archive: " + linkName);
        }
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0); // uid
        octal(h, 116, 8, 0); // gid
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        put(h, 157, NAME_MAX, link);
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 265, 32, "root".getBytes(StandardCharsets.US_ASCII));
        put(h, 297, 32, "root".getBytes(StandardCharsets.US_ASCII));
        octal(h, 329, 8, 0); // devmajor
        octal(h, 337, 8, 0); // devminor
        // The checksum is computed with its own field as eight spaces, then written as six digits, NUL, space.
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] digits = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    /** The last '/' that leaves at most 155 bytes before it and 100 after it; -1 if there is none. */
    private static int splitPoint(byte[] name) {
        for (int i = Math.min(name.length - 1, PREFIX_MAX); i > 0; i--) {
            if (name[i] == '/' && name.length - i - 1 <= NAME_MAX) {
                return i;
            }
        }
        return -1;
    }

    private static void put(byte[] header, int offset, int length, byte[] value) {
        System.arraycopy(value, 0, header, offset, Math.min(length, value.length));
    }

    /** Zero-padded octal digits filling the field but its last byte, which stays NUL. */
    private static void octal(byte[] header, int offset, int length, long value) throws IOException {
        String digits = Long.toOctalString(value);
        if (digits.length() > length - 1) {
            throw new IOException("value " + value + " does not fit a " + length + "-byte ustar field");
        }
        String padded = "0".repeat(length - 1 - digits.length()) + digits;
        put(header, offset, length - 1, padded.getBytes(StandardCharsets.US_ASCII));
    }
}
