package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team sweep (R-ROB-1, R-PROTO-2/3, R-POL-6) of session state and numeric edges a hostile guest reaches with a raw
 * client, on the real gateway with a signed log: each is answered with a reply or an errno (never EIO, the answer of
 * a fault the gateway did not expect, and never an ERROR line), changes nothing it must not, leaves the connection
 * serving, and leaves the other VM and the log untouched. None of these showed a defect when written; they are
 * kept so that none comes back.
 */
class ProtocolEdgeSweepAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int MSIZE = 65536;

    @TempDir
    Path tmp;

    AuditedPolicyGateway rig;
    final List<String> errors = new CopyOnWriteArrayList<>();
    private final Handler errorLines = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(record.getMessage() + (record.getThrown() == null ? "" : ": " + record.getThrown()));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void start() throws Exception {
        Logger.getLogger("").addHandler(errorLines);
        rig = new AuditedPolicyGateway(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            closeRig();
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        } finally {
            Logger.getLogger("").removeHandler(errorLines);
        }
        assertEquals(List.of(), errors, "no fault the gateway did not expect");
    }

    private boolean closed;

    /** Stops the gateway and closes its log (shutdown record, final checkpoint), once. */
    private void closeRig() throws Exception {
        if (!closed) {
            closed = true;
            rig.close();
        }
    }

    /**
     * A Tversion ends the session as a disconnect does: every fid clunked (a complete Txattrcreate value committed, as
     * its Tclunk would, an incomplete one dropped), its locks and Txattrwalk values released.
     */
    @Test
    void tversionWithFidsLocksAndPendingXattrsHeldLeavesNothingBehind() throws Exception {
        try (P9Client attacker = rig.alpha();
                P9Client other = rig.alpha()) {
            attacker.walk(0, 1, "notes.txt");
            attacker.lopen(1, O_RDWR);
            RMessage.Rlock locked = (RMessage.Rlock)
                    attacker.rpc(new TMessage.Tlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 0, 1, "attacker"));
            assertEquals(LockConstants.LOCK_SUCCESS, locked.status());
            attacker.walk(0, 2, "notes.txt");
            attacker.rpc(new TMessage.Txattrcreate(2, "user.done", 5, 0));
            attacker.write(2, 0, "value".getBytes(StandardCharsets.UTF_8)); // complete, never clunked
            attacker.walk(0, 3, "notes.txt");
            attacker.rpc(new TMessage.Txattrcreate(3, "user.partial", 10, 0));
            attacker.write(3, 0, "abc".getBytes(StandardCharsets.UTF_8)); // 3 of 10 bytes
            attacker.walk(0, 5, "notes.txt");
            attacker.rpc(new TMessage.Txattrwalk(5, 4, "")); // a listing held by fid 4
            other.walk(0, 1, "notes.txt");
            other.lopen(1, O_RDWR);
            assertEquals(LockConstants.LOCK_BLOCKED, lock(other, 1), "the attacker holds the lock");

            attacker.rpc(new TMessage.Tversion(MSIZE, P9Client.VERSION));
            for (int fid = 0; fid <= 5; fid++) {
                int f = fid;
                assertEquals(Errno.EBADF, errno(() -> attacker.rpc(new TMessage.Tgetattr(f, -1))), "fid " + f);
            }
            assertEquals(LockConstants.LOCK_SUCCESS, lock(other, 1), "the lock went with the session");
            other.walk(0, 2, "notes.txt");
            RMessage.Rxattrwalk done = (RMessage.Rxattrwalk) other.rpc(new TMessage.Txattrwalk(2, 3, "user.done"));
            assertEquals(5, done.size(), "committed at the session's end");
            assertEquals(
                    Errno.ENODATA,
                    errno(() -> other.rpc(new TMessage.Txattrwalk(2, 4, "user.partial"))),
                    "an incomplete value is never set");
            attacker.attach(0, "root", "data", 0); // the new session serves
            attacker.walk(0, 1, "notes.txt");
        }
    }

    private static int lock(P9Client c, int fid) throws Exception {
        return ((RMessage.Rlock) c.rpc(new TMessage.Tlock(fid, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 0, 2, "other")))
                .status();
    }

    /** Tflush of itself, of a free tag and of NOTAG; NOTAG, NOFID and an afid nobody made; Tattach twice. */
    @Test
    void oddTagsFidsAndFlushesAreAnsweredAndTheConnectionServes() throws Exception {
        try (P9Client guest = rig.alpha()) {
            assertInstanceOf(RMessage.Rflush.class, raw(guest, 7, new TMessage.Tflush(7)), "a flush of itself");
            assertInstanceOf(RMessage.Rflush.class, raw(guest, 8, new TMessage.Tflush(1234)), "of a free tag");
            assertInstanceOf(RMessage.Rflush.class, raw(guest, 9, new TMessage.Tflush(Frame.NOTAG)), "of NOTAG");
            assertInstanceOf(RMessage.Rgetattr.class, raw(guest, Frame.NOTAG, new TMessage.Tgetattr(0, -1)));

            assertEquals(Errno.ENOENT, errno(() -> guest.rpc(new TMessage.Tauth(5, "root", "data", 0))));
            assertEquals(
                    Errno.EINVAL,
                    errno(() -> guest.rpc(new TMessage.Tattach(6, 5, "root", "data", 0))),
                    "no auth fid exists: afid must be NOFID");
            assertEquals(Errno.EBADF, errno(() -> guest.rpc(new TMessage.Tgetattr(5, -1))), "Tauth made no fid");
            assertEquals(Errno.EINVAL, errno(() -> guest.attach(0, "root", "data", 0)), "fid 0 is in use");
            guest.attach(TMessage.NOFID, "root", "data", 0); // NOFID is just a number as a new fid
            guest.walk(TMessage.NOFID, 1, "notes.txt");
            guest.clunk(TMessage.NOFID);
            assertEquals(Errno.ENOENT, errno(() -> guest.attach(2, "root", "other", 0)), "beta's share");
            guest.attach(2, "root", "", 0); // an empty aname names alpha's only share
            guest.clunk(2);
            assertInstanceOf(RMessage.Rgetattr.class, guest.rpc(new TMessage.Tgetattr(1, -1)));
        }
    }

    /**
     * The attach name is the only string of Tauth and Tattach that reaches the log (the share of the refusal's
     * record): a forged row, terminal escapes, a bidi override and markup stay escaped in {@code audit show} (table
     * and JSON), one message a line in the syslog export, and text in the HTML report (the uname is never recorded).
     */
    @Test
    void hostileAttachNamesStayEscapedForTheReviewer() throws Exception {
        String hostile =
                "x\n1 2026-01-01T00:00:00Z beta 9 attach allow 0 - /ok\u001b[2J\u001b]0;t\u0007\u202e<script>y";
        try (P9Client guest = rig.alpha()) {
            assertEquals(Errno.ENOENT, errno(() -> guest.rpc(new TMessage.Tauth(5, hostile, hostile, 0))));
            assertEquals(Errno.ENOENT, errno(() -> guest.attach(6, hostile, hostile, 0)));
        }
        closeRig(); // every record on disk, checkpointed
        Path log = rig.logs.dir;
        String table = audit("show", "--log", log.toString());
        assertPrintable(table);
        String json = audit("show", "--log", log.toString(), "--format", "json");
        assertPrintable(json);
        assertTrue(json.contains("share=x\\u000a1%202026"), "the share name, escaped: " + json);
        assertFalse(table.lines().anyMatch(l -> l.startsWith("1 2026")), "no forged row: " + table);
        String syslog = audit("export", "--log", log.toString(), "--format", "rfc5424");
        assertPrintable(syslog);
        assertTrue(syslog.lines().allMatch(l -> l.startsWith("<")), "every line starts a message");
        Path page = tmp.resolve("report.html");
        audit("report", "--html", page.toString(), "--log", log.toString());
        String html = Files.readString(page);
        assertFalse(html.contains("<script"), "markup from a guest stays text");
        assertPrintable(html);
    }

    private static String audit(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        var cl = io.p9gate.audit.cli.AuditCommand.commandLine(new io.p9gate.audit.cli.AuditCommand());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(out, true));
        int exit = cl.execute(args);
        assertTrue(exit == 0 || exit == 1, () -> exit + ": " + out);
        return out.toString();
    }

    /** Nothing below 0x20 but the line ends, no DEL, no C1 control, no bidi control. */
    private static void assertPrintable(String output) {
        for (String line : output.split("\n", -1)) {
            for (char c : line.toCharArray()) {
                boolean control = (c < 0x20 && c != '\r') || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e);
                assertFalse(control, () -> "raw U+" + Integer.toHexString(c) + " reaches the reviewer in: " + line);
            }
        }
    }

    /** Frames at msize are served, one byte more closes the connection; counts past msize are clamped. */
    @Test
    void msizeEdgesAreServedOrRefusedCleanly() throws Exception {
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "cache");
            guest.lcreate(1, "big", O_RDWR, 0644, 0);
            byte[] full = new byte[guest.iounit()]; // a Twrite frame of exactly msize bytes
            assertEquals(full.length, guest.write(1, 0, full));
            RMessage.Rread read = (RMessage.Rread) guest.rpc(new TMessage.Tread(1, 0, -1));
            try {
                // Clamped unsigned before the handler (session.ReplyBudget): a count of 2^32-1 reads a whole iounit,
                // never the nothing (an end of file) a signed clamp of the negative int would read.
                assertEquals(full.length, read.data().readableBytes(), "count clamped to msize, not to 0");
            } finally {
                read.data().release();
            }
            guest.walk(0, 2);
            guest.lopen(2, O_RDONLY);
            RMessage.Rreaddir listed = (RMessage.Rreaddir) guest.rpc(new TMessage.Treaddir(2, 0, -1));
            assertFalse(listed.entries().isEmpty());

            ByteBuf over = Unpooled.buffer();
            over.writeIntLE(MSIZE + 1).writeByte(118).writeShortLE(3).writeZero(MSIZE + 1 - 7); // Twrite, msize+1
            assertThrows(IOException.class, () -> guest.await(guest.sendRaw(3, over)), "closed, not answered");
        }
        try (P9Client tiny = P9Client.connect(java.net.UnixDomainSocketAddress.of(rig.policy.alphaSocket), MSIZE)) {
            assertEquals(Errno.EINVAL, errno(() -> tiny.version(4095, P9Client.VERSION)), "below the minimum");
            assertEquals(Errno.EPROTO, errno(() -> tiny.attach(0, "root", "data", 0)), "no session after it");
            tiny.version(4096, P9Client.VERSION);
            tiny.attach(0, "root", "data", 0);
        }
        try (P9Client beta = rig.beta()) {
            beta.walk(0, 1, "readme");
        }
    }

    /** Offsets and sizes at 2^63 and 2^64-1, times out of range, lock ranges that overflow. */
    @Test
    void numericEdgesAreErrnosAndChangeNothing() throws Exception {
        Path notes = rig.policy.data.resolve("notes.txt");
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "notes.txt");
            guest.lopen(1, O_RDWR);
            for (long offset : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 2, -1L, Long.MIN_VALUE}) {
                answered(() -> guest.write(1, offset, "xyz".getBytes(StandardCharsets.UTF_8)), "Twrite at " + offset);
                answered(() -> guest.read(1, offset, 10), "Tread at " + offset);
            }
            assertEquals("hello", Files.readString(notes));
            // 2^63-1 itself is a size tmpfs takes (a sparse file) outside any quota: see the quota test below.
            for (long size : new long[] {-1L, Long.MIN_VALUE}) {
                answered(() -> setattr(guest, 1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, size, 0, 0, 0, 0)), "");
            }
            assertEquals(5, Files.size(notes));
            int times = SetAttr.SETATTR_ATIME
                    | SetAttr.SETATTR_ATIME_SET
                    | SetAttr.SETATTR_MTIME
                    | SetAttr.SETATTR_MTIME_SET;
            long mtime = Files.getLastModifiedTime(notes).toMillis();
            for (long nsec : new long[] {1_000_000_000L, -1L, Long.MIN_VALUE}) {
                assertEquals(
                        Errno.EINVAL,
                        errno(() -> setattr(guest, 1, new SetAttr(times, 0, 0, 0, 0, 0, nsec, 0, nsec))),
                        "nsec " + nsec);
            }
            assertEquals(mtime, Files.getLastModifiedTime(notes).toMillis());
            for (long[] range : new long[][] {{Long.MAX_VALUE, 2}, {-1L, 1}, {1, -2L}, {Long.MIN_VALUE, 0}}) {
                answered(
                        () -> guest.rpc(
                                new TMessage.Tlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, range[0], range[1], 1, "c")),
                        "Tlock " + range[0] + "+" + range[1]);
                answered(
                        () -> guest.rpc(
                                new TMessage.Tgetlock(1, LockConstants.LOCK_TYPE_WRLCK, range[0], range[1], 1, "c")),
                        "Tgetlock");
            }
            assertInstanceOf(RMessage.Rgetattr.class, guest.rpc(new TMessage.Tgetattr(1, -1)), "unknown mask bits");
            guest.walk(0, 2);
            guest.lopen(2, O_RDONLY);
            for (long cookie : new long[] {1, -1L, Long.MAX_VALUE, 0x1234_5678_9abc_def0L}) {
                answered(() -> guest.rpc(new TMessage.Treaddir(2, cookie, 4096)), "Treaddir at " + cookie);
            }
        }
    }

    /** A quota past which a resize to 2^63-1 or a write at 2^63-3 would go: EDQUOT or EFBIG, never a sparse giant. */
    @Test
    void resizesAndWritesAtTheTopOfTheRangeStayWithinTheQuota() throws Exception {
        Path file = rig.policy.data.resolve("cache/f");
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "cache");
            guest.lcreate(1, "f", O_RDWR, 0644, 0);
            assertEquals(
                    Errno.EDQUOT,
                    errno(() ->
                            setattr(guest, 1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, Long.MAX_VALUE, 0, 0, 0, 0))));
            answered(() -> guest.write(1, Long.MAX_VALUE - 2, new byte[10]), "a write whose end overflows");
            assertEquals(0, Files.size(file));
            guest.write(1, 0, new byte[100]);
            assertEquals(100, Files.size(file), "the quota still serves");
        }
    }

    /** Open and create flags a guest kernel never sends: only the safe subset reaches the host, or an errno. */
    @Test
    void unusualOpenAndCreateFlagsAndModesReachTheHostOnlyAsTheSafeSubset() throws Exception {
        int oDirect = 040000;
        int oNoatime = 01000000;
        int oPath = 010000000;
        int oTmpfile = 020000000 | 0200000;
        int fasync = 020000;
        int[] flags = {
            oDirect | O_RDWR, oNoatime, oPath, oTmpfile | O_RDWR, fasync | O_WRONLY, 0x7ff00000 | O_RDONLY, -1
        };
        Path data = rig.policy.data;
        try (P9Client guest = rig.alpha()) {
            int fid = 10;
            for (int f : flags) {
                guest.walk(0, fid, "notes.txt");
                int at = fid;
                answered(() -> guest.lopen(at, f), "Tlopen " + Integer.toHexString(f));
                guest.walk(0, fid + 1);
                answered(
                        () -> guest.lcreate(at + 1, "c" + Integer.toHexString(f), f, 0644, 0),
                        "Tlcreate " + Integer.toHexString(f));
                fid += 2;
            }
            assertEquals(
                    Errno.ENOTDIR,
                    errno(() -> {
                        guest.walk(0, 50, "notes.txt");
                        return guest.lopen(50, 0200000);
                    }),
                    "O_DIRECTORY on a file");
            guest.walk(0, 51);
            guest.lcreate(51, "typed", O_RDWR, 020644, 0); // S_IFCHR in a Tlcreate mode
            assertTrue(Files.isRegularFile(data.resolve("typed")), "a regular file, whatever the mode's type bits");
            guest.walk(0, 52);
            for (int[] node : new int[][] {{010644, 0, 0}, {0140644, -1, -1}, {020644, -1, -1}, {060644, 1, 3}}) {
                answered(
                        () -> guest.rpc(new TMessage.Tmknod(
                                52, "n" + Integer.toOctalString(node[0]), node[0], node[1], node[2], 0)),
                        "Tmknod " + Integer.toOctalString(node[0]));
            }
            try (var listed = Files.list(data)) {
                for (Path p : listed.toList()) {
                    assertFalse(isDevice(p), "no device node on the host: " + p);
                }
            }
        }
    }

    private static boolean isDevice(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        int type = mode & 0170000;
        return type == 020000 || type == 060000;
    }

    private static RMessage setattr(P9Client c, int fid, SetAttr attr) throws Exception {
        return c.rpc(new TMessage.Tsetattr(fid, attr));
    }

    /** Sends {@code request} with the tag chosen here and waits for its reply. */
    private static RMessage raw(P9Client c, int tag, TMessage request) throws Exception {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(tag, request), wire);
        return c.await(c.sendRaw(tag, wire));
    }

    @FunctionalInterface
    interface Call {
        Object run() throws Exception;
    }

    /** The errno of a failed call, or null if it succeeded. */
    static Errno errno(Call call) throws IOException {
        try {
            CodecBuffers.releasePayload(call.run() instanceof RMessage r ? r : null);
            return null;
        } catch (P9Exception e) {
            return e.errno();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Answered with a reply or an errno other than EIO. */
    private static void answered(Call call, String what) throws IOException {
        Errno errno = errno(call);
        assertTrue(errno != Errno.EIO, what + ": EIO, a fault the gateway did not expect");
    }
}
