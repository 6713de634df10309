package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate demo} logs the gateway's lines in the one-line shape serve logs them in (time, level, logger, message;
 * Main.main sets it up for every command): a guest's oversized frame during a {@code compliance run} against the demo
 * was reported as the JDK's two-line default format. Checked: it was not (no defect); pinned in a process of its own,
 * as the logging is set up only by {@code main}.
 */
class DemoLogLineTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anOversizedFrameIsLoggedOnOneLine() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (ServeProcess demo = ServeProcess.start(
                Map.of(),
                "demo",
                "--port",
                String.valueOf(port),
                "--socket",
                tmp.resolve("demo.sock").toString())) {
            demo.awaitStdout("policy:");
            try (Socket guest = new Socket("127.0.0.1", port)) {
                OutputStream out = guest.getOutputStream();
                out.write(tversion(8192));
                byte[] rversion = guest.getInputStream().readNBytes(4);
                assertEquals(4, rversion.length, demo.stderr());
                // A frame larger than the msize agreed: the gateway closes the connection and logs it.
                out.write(ByteBuffer.allocate(7)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(32768)
                        .put((byte) 104)
                        .putShort((short) 0)
                        .array());
                out.flush();
                guest.getInputStream().readAllBytes();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!demo.stderr().contains("outside [7, 8192]") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            List<String> lines = demo.stderr().lines().toList();
            assertEquals(1, lines.size(), demo.stderr());
            assertTrue(
                    lines.getFirst()
                            .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} WARNING"
                                    + " io\\.p9gate\\.gateway\\.codec\\.FrameDecoder: closing connection from tcp:"
                                    + "127\\.0\\.0\\.1:\\d+: frame size 32768 outside \\[7, 8192\\].*"),
                    demo.stderr());
        }
    }

    /** Tversion(tag NOTAG, msize, "9P2000.L"). */
    private static byte[] tversion(int msize) {
        byte[] version = "9P2000.L".getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(4 + 1 + 2 + 4 + 2 + version.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(4 + 1 + 2 + 4 + 2 + version.length)
                .put((byte) 100)
                .putShort((short) 0xFFFF)
                .putInt(msize)
                .putShort((short) version.length)
                .put(version)
                .array();
    }
}
