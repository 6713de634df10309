package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team on the backend's per-thread native scratch (backend.NativeScratch: 16 KiB reused by every system call of
 * a worker for its errno capture, C strings and buffers, nested frames, an arena when a call's memory does not fit).
 * A guest chooses the sizes that land in it: names at and past NAME_MAX, walks of 16 such names, symlink targets at
 * and past PATH_MAX and around the scratch's 16 KiB, xattr names of 255 bytes and values up to the host's limit. A
 * frame that handed out memory still in use, or an overflow that ran past the buffer, would show as a wrong name,
 * target or value read back or a file in the wrong place: every one is compared byte by byte with the host's, and a
 * refusal must leave the next request on the same connection (the same worker) right.
 */
class NativeScratchBoundaryAttackTest {
    private static final int O_RDWR = 2;
    private static final int O_RDONLY = 0;

    @TempDir
    Path tmp;

    /** {@code bytes} UTF-8 bytes of two- and one-byte characters, varied by {@code seed} so a mix-up shows. */
    private static String name(int bytes, int seed) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length + 2 <= bytes) {
            sb.append((i++ + seed) % 3 == 0 ? (char) ('a' + (i + seed) % 26) : (char) ('\u00e0' + (i + seed) % 26));
        }
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < bytes) {
            sb.append((char) ('0' + seed % 10));
        }
        return sb.toString();
    }

    @Test
    void namesAndSixteenComponentWalksAtNameMaxLandWhereTheGuestSaid() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            Path share = gw.share("data");
            List<String> names = new ArrayList<>();
            guest.walk(0, 1);
            for (int level = 0; level < 16; level++) {
                String n = name(255, level);
                assertEquals(255, n.getBytes(StandardCharsets.UTF_8).length);
                String tooLong = name(256, level);
                assertEquals(
                        Errno.ENAMETOOLONG, refused(() -> guest.mkdir(1, tooLong, 0755, 0)), "256 bytes at " + level);
                guest.mkdir(1, n, 0755, 0);
                guest.walk(1, 2, n);
                guest.clunk(1);
                guest.walk(2, 1);
                guest.clunk(2);
                names.add(n);
            }
            String leaf = name(255, 99);
            guest.lcreate(1, leaf, O_RDWR, 0644, 0);
            byte[] data = leaf.getBytes(StandardCharsets.UTF_8);
            assertEquals(data.length, guest.write(1, 0, data));
            guest.clunk(1);
            // Past PATH_MAX for the host's own path calls: python walks it by directory descriptors.
            assertEquals(
                    "ok",
                    output(Stream.concat(
                                    Stream.of(
                                            "python3",
                                            "-c",
                                            "import os,sys\nfd=os.open(sys.argv[1],os.O_RDONLY)\n"
                                                    + "for n in sys.argv[2:]:\n"
                                                    + "  assert os.listdir(fd)==[n], (os.listdir(fd), n)\n"
                                                    + "  fd=os.open(n,os.O_RDONLY,dir_fd=fd)\n"
                                                    + "print('ok')",
                                            share.toString()),
                                    Stream.concat(names.stream(), Stream.of(leaf)))
                            .toArray(String[]::new)),
                    "each level holds exactly the guest's name, byte for byte");

            assertEquals(16, guest.walk(0, 3, names.toArray(String[]::new)).size(), "one walk of 16 names");
            guest.walk(3, 4, leaf);
            guest.lopen(4, O_RDONLY);
            assertArrayEquals(data, guest.read(4, 0, 4096), "the leaf read back through the 16-name walk");
            guest.lopen(3, O_RDONLY);
            List<String> listed = guest.readdir(3, 0, 8192).stream()
                    .map(DirEntry::name)
                    .filter(s -> !s.equals(".") && !s.equals(".."))
                    .toList();
            assertEquals(List.of(leaf), listed, "the deepest directory lists the leaf, byte for byte");
        } finally {
            run("rm", "-rf", tmp.resolve("shares").toString()); // deeper than the JUnit clean-up's PATH_MAX
        }
    }

    @Test
    void symlinkTargetsAroundPathMaxAndTheScratchSizeReadBackExactlyOrAreRefused() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            Path share = gw.share("data");
            guest.walk(0, 1);
            String good = name(4095, 7);
            guest.symlink(1, "good", good, 0);
            assertEquals(good, Files.readSymbolicLink(share.resolve("good")).toString());
            guest.walk(0, 2, "good");
            assertEquals(good, guest.readlink(2));
            // A host link to itself: opening it fails in the kernel (ELOOP), and the next request is still right.
            Files.createSymbolicLink(share.resolve("loop"), Path.of("loop"));
            guest.walk(0, 4, "loop");
            assertEquals(Errno.ELOOP, refused(() -> guest.lopen(4, O_RDONLY)));
            assertEquals("loop", guest.readlink(4));
            assertEquals(good, guest.readlink(2), "the next Treadlink after ELOOP");
            // 4096 and 4097 are past PATH_MAX; 16379-16384 put the target's C string across the end of the scratch.
            for (int len : new int[] {4096, 4097, 16378, 16379, 16380, 16383, 16384, 16385, 30000}) {
                String target = name(len, len);
                String link = "l" + len;
                assertEquals(Errno.ENAMETOOLONG, refused(() -> guest.symlink(1, link, target, 0)), "target of " + len);
                assertTrue(Files.notExists(share.resolve(link), LinkOption.NOFOLLOW_LINKS));
                assertEquals(good, guest.readlink(2), "the next Treadlink after a refused " + len);
                String shorter = name(4095 - len % 7, len);
                guest.symlink(1, "ok" + len, shorter, 0);
                assertEquals(
                        shorter,
                        Files.readSymbolicLink(share.resolve("ok" + len)).toString());
                guest.walk(0, 3, "ok" + len);
                assertEquals(shorter, guest.readlink(3));
                guest.clunk(3);
            }
        }
    }

    @Test
    void xattrNamesOfNameMaxAndValuesUpToTheHostsLimitReadBackExactly() throws Exception {
        Path fs = Files.createDirectories(tmp.resolve("tmpfs"));
        // tmpfs keeps user xattrs of up to 64 KiB, ext4 only a block's worth.
        boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=8m", "x", fs.toString()) == 0;
        try {
            Path dir = Files.createDirectories((mounted ? fs : tmp).resolve("data"));
            try (HostShareGateway gw =
                            HostShareGateway.serving(tmp, List.of(new HostShareGateway.Share("data", dir, "")));
                    P9Client guest = gw.attached("data", 0)) {
                Files.write(dir.resolve("f"), new byte[] {1});
                String attr = "user." + name(250, 3);
                assertEquals(255, attr.getBytes(StandardCharsets.UTF_8).length);
                int most = mounted ? 65536 : 3000;
                for (int size : new int[] {1, 4095, 4096, 16379, 16384, 16385, most}) {
                    if (size > most) {
                        continue;
                    }
                    byte[] value = pattern(size, size);
                    guest.walk(0, 1, "f");
                    guest.rpc(new TMessage.Txattrcreate(1, attr, size, 0));
                    for (int off = 0; off < size; off += 8000) {
                        byte[] part = Arrays.copyOfRange(value, off, Math.min(size, off + 8000));
                        assertEquals(part.length, guest.write(1, off, part));
                    }
                    guest.clunk(1);
                    assertArrayEquals(value, hostXattr(dir.resolve("f"), attr.substring(5)), "host value " + size);
                    assertArrayEquals(value, guestXattr(guest, attr, size, 1000), "guest read back " + size);
                    String tooLong = "user." + name(251, 3);
                    guest.walk(0, 1, "f");
                    refused(() -> guest.rpc(new TMessage.Txattrwalk(1, 2, tooLong))); // a 256-byte xattr name
                    guest.clunk(1);
                }
                // A host value bigger than the guest's reads: read in small counts, byte for byte.
                byte[] host = pattern(most, 11);
                Files.getFileAttributeView(dir.resolve("f"), UserDefinedFileAttributeView.class)
                        .write("h", ByteBuffer.wrap(host));
                assertArrayEquals(host, guestXattr(guest, "user.h", most, 333));
            }
        } finally {
            if (mounted) {
                run("umount", "-l", fs.toString());
            }
        }
    }

    /**
     * A full file system (a tmpfs of 64 KiB and 24 inodes): writes, creates, directories and long symlinks fail with
     * ENOSPC in the middle of their calls; each next request on the connection must be right, and no entry the
     * gateway was making may be left behind.
     */
    @Test
    void enospcInTheMiddleLeavesTheNextRequestsRightAndNothingHalfMade() throws Exception {
        Path fs = Files.createDirectories(tmp.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k,nr_inodes=24", "s", fs.toString()) == 0, "needs root");
        try {
            try (HostShareGateway gw =
                            HostShareGateway.serving(tmp, List.of(new HostShareGateway.Share("data", fs, "")));
                    P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1);
                String target = name(4000, 1);
                guest.symlink(1, "link", target, 0);
                guest.walk(0, 2, "link");
                guest.walk(0, 3);
                guest.lcreate(3, "fill", O_RDWR, 0644, 0);
                byte[] chunk = pattern(8192, 5);
                long written = 0;
                Errno full = null;
                while (full == null) {
                    try {
                        written += guest.write(3, written, chunk);
                    } catch (P9Exception e) {
                        full = e.errno();
                    }
                }
                assertEquals(Errno.ENOSPC, full);
                assertEquals(written, Files.size(fs.resolve("fill")));
                assertEquals(target, guest.readlink(2), "after a write's ENOSPC");
                List<Errno> refusals = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    String n = name(200, i);
                    guest.walk(0, 4);
                    try {
                        if (i % 3 == 0) {
                            guest.mkdir(4, n, 0755, 0);
                        } else if (i % 3 == 1) {
                            guest.symlink(4, n, name(3000, i), 0);
                        } else {
                            guest.lcreate(4, n, O_RDWR, 0644, 0);
                        }
                    } catch (P9Exception e) {
                        refusals.add(e.errno());
                    }
                    guest.clunk(4);
                    assertEquals(target, guest.readlink(2), "after request " + i);
                }
                assertTrue(
                        !refusals.isEmpty() && refusals.stream().allMatch(e -> e == Errno.ENOSPC), refusals::toString);
                try (Stream<Path> entries = Files.list(fs)) {
                    List<String> left = entries.map(p -> p.getFileName().toString())
                            .filter(n -> n.startsWith(".p9gate"))
                            .toList();
                    assertEquals(List.of(), left, "entries the gateway was making, left behind");
                }
                guest.walk(0, 5);
                guest.lopen(5, O_RDONLY);
                long listed = listing(guest, 5, 8192).size() - 2;
                try (Stream<Path> entries = Files.list(fs)) {
                    assertEquals(entries.count(), listed, "the listing shows the host's entries");
                }
            }
        } finally {
            run("umount", "-l", fs.toString());
        }
    }

    /**
     * Host names that are not UTF-8 (each byte shown as U+FFFD: up to 765 bytes on the wire for 255 host bytes) and
     * names of 255 bytes, listed with every count from the smallest that fits an entry up: no reply over its count,
     * and each listing shows every host entry once.
     */
    @Test
    void listingsOfNonUtf8AndNameMaxNamesNeverExceedTheCountNorSkipOrRepeat() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            Path dir = Files.createDirectories(gw.share("data").resolve("d"));
            assertEquals(
                    0,
                    run(
                            "python3",
                            "-c",
                            "import os,sys\nd=sys.argv[1].encode()\n"
                                    + "for i in range(12):\n"
                                    + "  open(d+b'/'+bytes([0xff-i])*(255 if i%2 else 1+i),'w').close()\n"
                                    + "  open(d+b'/x'+bytes([0x80+i])+b'y'*(250-i),'w').close()\n",
                            dir.toString()));
            for (int i = 0; i < 12; i++) {
                Files.createFile(dir.resolve(name(255, i)));
            }
            long onHost;
            try (Stream<Path> entries = Files.list(dir)) {
                onHost = entries.count();
            }
            assertEquals(36, onHost);
            guest.walk(0, 1, "d");
            guest.lopen(1, O_RDONLY);
            List<String> whole = listing(guest, 1, 65536);
            assertEquals(onHost + 2, whole.size(), "every host entry once, . and .. too: " + whole);
            // The smallest count that fits every entry: a 255-byte host name of bytes that are not UTF-8, 765 bytes.
            int smallest = DirEntry.LONGEST_WIRE_SIZE + 2 * 255;
            assertEquals(
                    Errno.EINVAL, refused(() -> listing(guest, 1, smallest - 1)), "a count too small for an entry");
            for (int count = smallest; count <= 3000; count += 37) {
                assertEquals(whole, listing(guest, 1, count), "count " + count);
            }
        }
    }

    /** The names of a whole listing in replies of {@code count}, each checked against its count. */
    private static List<String> listing(P9Client guest, int fid, int count) throws Exception {
        List<String> names = new ArrayList<>();
        long offset = 0;
        while (true) {
            List<DirEntry> reply = guest.readdir(fid, offset, count);
            if (reply.isEmpty()) {
                return names;
            }
            int bytes = reply.stream().mapToInt(DirEntry::wireSize).sum();
            assertTrue(bytes <= count, "a reply of " + bytes + " bytes for count " + count);
            for (DirEntry e : reply) {
                names.add(e.name());
            }
            offset = reply.getLast().offset();
        }
    }

    private static byte[] guestXattr(P9Client guest, String attr, int size, int chunk) throws Exception {
        guest.walk(0, 5, "f");
        RMessage.Rxattrwalk walked = (RMessage.Rxattrwalk) guest.rpc(new TMessage.Txattrwalk(5, 6, attr));
        assertEquals(size, walked.size());
        byte[] out = new byte[size];
        int at = 0;
        while (at < size) {
            byte[] part = guest.read(6, at, chunk);
            assertTrue(part.length > 0 && part.length <= chunk, "a read of " + part.length + " for " + chunk);
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        assertEquals(0, guest.read(6, size, chunk).length);
        guest.clunk(6);
        guest.clunk(5);
        return out;
    }

    private static byte[] hostXattr(Path file, String name) throws Exception {
        var view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        ByteBuffer value = ByteBuffer.allocate(view.size(name));
        view.read(name, value);
        return value.array();
    }

    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed + (i >> 8));
        }
        return b;
    }

    private static Errno refused(Executable call) {
        return assertThrows(P9Exception.class, call).errno();
    }

    private static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python3 did not end");
        return out;
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
