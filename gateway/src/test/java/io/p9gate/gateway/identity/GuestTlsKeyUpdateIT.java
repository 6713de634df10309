package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.guest.GuestHarness;
import io.p9gate.gateway.guest.GuestResult;
import io.p9gate.gateway.guest.GuestRun;
import io.p9gate.gateway.guest.RepoPaths;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Security;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS VM (the harness's {@code --tls-dir}, socat's OpenSSL as the VM's side) at msize 1 MiB moving 48 MiB each way
 * with the gateway's TLS 1.3 key limit lowered to 4 MiB: the JDK engine then sends a KeyUpdate (and asks the peer
 * for one) about every 4 MiB while 1 MiB messages are split over 16 KiB records. Every byte arrives: the guest's and
 * the host's hashes agree. The key limit is a security property read once per JVM, when the JDK's TLS ciphers
 * first load; in a fork where another test used TLS first the limit stays the JDK's default and this test only
 * moves the bytes.
 */
class GuestTlsKeyUpdateIT {
    private static final int MB = 48;
    private static final int MSIZE = 1 << 20;

    static {
        Security.setProperty("jdk.tls.keyLimits", "AES/GCM/NoPadding KeyUpdate 2^22, ChaCha20-Poly1305 KeyUpdate 2^22");
    }

    @TempDir
    Path tmp;

    @Test
    void oneMebibyteMessagesCrossKeyUpdatesIntact() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        byte[] host = new byte[MB << 20];
        new Random(12).nextBytes(host);
        try (IdentityRig rig = new IdentityRig(tmp)) {
            Files.write(rig.shareA.resolve("host"), host);
            rig.start("""
                    a:
                      listen: tls:127.0.0.1:%d
                      client-cert: {ca: %s, subject: "CN=a"}
                      shares: {a: {path: %%A, access: read-write}}
                    """.formatted(port, pki.dir().resolve(TestPki.CA_CERT)), IdentityRig.serverTls(pki));
            GuestResult run = harness.runTls(
                    "p9gate-tls-key-update",
                    new InetSocketAddress("127.0.0.1", port),
                    pki.dir().resolve("a"),
                    GuestRun.script(RepoPaths.guestScripts().resolve("tls-bulk.sh"))
                            .withMsize(MSIZE)
                            .withEnv("MB", Integer.toString(MB))
                            .withTimeout(Duration.ofMinutes(3)));
            Map<String, String> marks = run.marks();
            assertTrue(marks.containsKey("done"), run::describe);
            assertFalse(run.output().contains("9pnet"), run::describe);
            String src = marks.get("src");
            assertEquals(Integer.toString(MSIZE), marks.get("msize"), run::describe);
            assertEquals("0", marks.get("write-status"), run::describe);
            assertEquals(src, md5(Files.readAllBytes(rig.shareA.resolve("bulk"))), "the host's copy of the guest's");
            assertEquals(src, marks.get("read-back"), run::describe);
            assertEquals(md5(host) + " " + host.length, marks.get("read-host"), run::describe);
            String[] odd = marks.get("odd").split(" ");
            assertEquals(odd[1], odd[0], run::describe);
            assertEquals(odd[1], md5(Files.readAllBytes(rig.shareA.resolve("odd"))), "the host's odd-sized file");
            assertEquals(java.util.List.of(), rig.refusals());
        }
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
