package io.p9gate.audit.cli;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command whose standard output cannot be written ({@code p9gate audit export ... > file} on a full disk, or
 * {@code >/dev/full}) lost its output: it must say so and fail, not exit 0. A reader that went away ({@code | head
 * -1}) is no failure: {@link ClosedOutputTest}.
 */
class StandardOutputTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String err) {}

    private Run into(OutputStream stdout, String... args) {
        StringWriter err = new StringWriter();
        var cl = AuditCommand.commandLine(new AuditCommand());
        cl.setErr(new PrintWriter(err, true));
        int exit = StandardOutput.execute(cl, stdout, args);
        return new Run(exit, err.toString());
    }

    private String[] exportOf(Path log) throws IOException {
        Files.createDirectories(log);
        Files.writeString(
                log.resolve("segment-00000000000000000001.jsonl"),
                "{\"seq\":1,\"time\":\"2026-11-25T11:56:21.019779Z\",\"type\":\"decision\",\"vm\":\"a\",\"session\":3,"
                        + "\"op\":\"walk\",\"path\":\"/x\",\"decision\":\"allow\",\"rules\":[\"r\"],\"errno\":0}\n");
        return new String[] {"export", "--log", log.toString(), "--format", "jsonl"};
    }

    @Test
    void aFullDiskFailsTheCommandWithOneLine() throws IOException {
        Run r = into(new Failing(Failing.ENOSPC, "No space left on device"), exportOf(tmp.resolve("log")));
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(
                r.err().startsWith("p9gate audit export: error: cannot write standard output: No space left on device"),
                r.err());
    }

    /**
     * {@code keys generate} with standard output full: the key pair is written before the public key is printed, and
     * stays (docs/audit-format.md, "Keys"); one line says the output failed. Before, the stdout error and the
     * {@code wrote ...} line: two lines on stderr.
     */
    @Test
    void keysGenerateWithStdoutFullSaysOneLineAndKeepsTheKeys() throws IOException {
        StringWriter err = new StringWriter();
        var cl = AuditCommand.commandLine(new KeysCommand());
        cl.setErr(new PrintWriter(err, true));
        Path prefix = tmp.resolve("audit");
        int exit = StandardOutput.execute(
                cl,
                new Failing(Failing.ENOSPC, "No space left on device"),
                "generate",
                "--name",
                "ecu-a-audit",
                "--out",
                prefix.toString());
        assertEquals(1, exit, err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(
                err.toString().startsWith("p9gate keys generate: error: cannot write standard output: "),
                err.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("audit.key")), "the private key is kept");
        assertTrue(Files.isRegularFile(tmp.resolve("audit.pub")), "the public key is kept");
    }

    /**
     * On a host architecture whose kernel values are unknown, the first class taking them from HostAbi fails to
     * load: that Error went past picocli's handler as a stack trace (riscv64 before it was refused by name).
     */
    @Test
    void anArchitectureRefusedAsAClassLoadsIsOneLine() {
        @picocli.CommandLine.Command(name = "audit")
        class RefusedHere implements Runnable {
            @Override
            public void run() {
                throw new ExceptionInInitializerError(new UnsupportedOperationException(
                        "p9gate runs on x86_64 and aarch64 Linux only, not on riscv64"));
            }
        }
        StringWriter err = new StringWriter();
        var cl = AuditCommand.commandLine(new RefusedHere());
        cl.setErr(new PrintWriter(err, true));
        int exit = StandardOutput.execute(cl, OutputStream.nullOutputStream());
        assertEquals(1, exit, err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("not on riscv64"), err.toString());
    }

    @Test
    void aClosedPipeIsNoFailure() throws IOException {
        Run r = into(new Failing(WriteErrno.EPIPE, "Broken pipe"), exportOf(tmp.resolve("log")));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
    }

    /**
     * The JVM's locale translates the kernel's message: under {@code LANG=de_DE.UTF-8} EPIPE reads "Datenübergabe
     * unterbrochen (broken pipe)", and {@code p9gate audit show | head -1} failed, exit 1.
     */
    @Test
    void aClosedPipeIsNoFailureInAnyLanguage() throws IOException {
        Run r = into(
                new Failing(WriteErrno.EPIPE, "Datenübergabe unterbrochen (broken pipe)"),
                exportOf(tmp.resolve("log")));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
    }

    /** The kernel's own errors, through write(2) as standard output is written: a pipe nobody reads any more. */
    @Test
    void aRealPipeWithoutReaderIsNoFailure() throws Throwable {
        int[] pipe = Native.pipe();
        Native.close(pipe[0]);
        try {
            Run r = into(new DescriptorOutput(pipe[1]), exportOf(tmp.resolve("log")));
            assertEquals(0, r.exit(), r.err());
            assertEquals("", r.err());
        } finally {
            Native.close(pipe[1]);
        }
    }

    /** ... and a device that is full ({@code > /dev/full}). */
    @Test
    void aRealFullDeviceFailsTheCommand() throws Throwable {
        int full = Native.openForWriting("/dev/full");
        try {
            Run r = into(new DescriptorOutput(full), exportOf(tmp.resolve("log")));
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().startsWith("p9gate audit export: error: cannot write standard output: "), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        } finally {
            Native.close(full);
        }
    }

    /** pipe(2), open(2) and close(2) for the tests above, which need descriptors the JDK does not hand out. */
    @SuppressWarnings("restricted")
    private static final class Native {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle PIPE = returningInt("pipe", ADDRESS);
        private static final MethodHandle OPEN = returningInt("open", ADDRESS, JAVA_INT);
        private static final MethodHandle CLOSE = returningInt("close", JAVA_INT);
        private static final int O_WRONLY = 1;

        private static MethodHandle returningInt(String name, MemoryLayout... args) {
            return LINKER.downcallHandle(
                    LINKER.defaultLookup().find(name).orElseThrow(), FunctionDescriptor.of(JAVA_INT, args));
        }

        static int[] pipe() throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment fds = arena.allocate(JAVA_INT, 2);
                assertEquals(0, (int) PIPE.invokeExact(fds), "pipe(2)");
                return fds.toArray(JAVA_INT);
            }
        }

        static int openForWriting(String path) throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                int fd = (int) OPEN.invokeExact(arena.allocateFrom(path), O_WRONLY);
                assertTrue(fd >= 0, "open(2) " + path);
                return fd;
            }
        }

        static void close(int fd) throws Throwable {
            assertEquals(0, (int) CLOSE.invokeExact(fd), "close(2)");
        }
    }

    /** Standard output on a device that refuses every write. */
    private static final class Failing extends OutputStream {
        /** ENOSPC: no space left on device. */
        static final int ENOSPC = 28;

        private final int errno;
        private final String reason;

        Failing(int errno, String reason) {
            this.errno = errno;
            this.reason = reason;
        }

        @Override
        public void write(int b) throws IOException {
            throw new WriteErrno(errno, reason);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            throw new WriteErrno(errno, reason);
        }
    }
}
