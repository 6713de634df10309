package io.p9gate.gateway.identity;

import io.netty.handler.ssl.JdkSslContext;
import io.p9gate.gateway.certs.CannedClientHello;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurement, not a test (runs only with {@code -Dp9gate.measure=true}): VM b's Tgetattr round trips on a shared
 * {@code tls:} listener, alone and while another address floods the listener with TLS handshakes (no certificate,
 * an untrusted one, VM a's valid one reconnecting), in alternating rounds of the same run. Prints medians, p99,
 * the attacker's handshakes/s and the CPU the gateway's event loops spent.
 */
class TlsHandshakeFloodMeasure {
    private static final int MSIZE = 65536;
    private static final int THREADS = Integer.getInteger("p9gate.measure.threads", 3);
    private static final Duration PHASE = Duration.ofSeconds(Long.getLong("p9gate.measure.seconds", 4));

    @TempDir
    Path tmp;

    @Test
    void measure() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("p9gate.measure"), "a measurement: -Dp9gate.measure=true");
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        TestPki pki = listener.pki();
        int port = listener.port();
        TestPki rogue = TestPki.create(tmp.resolve("rogue"), "rogue CA", List.of(), Duration.ofDays(1));
        rogue.issueClient("a", Duration.ofDays(1));
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        SSLContext noCert = CannedClientHello.noCertificate(ca);
        SSLContext untrusted = client(rogue.dir().resolve("a"), ca);
        SSLContext valid = client(pki.dir().resolve("a"), ca);
        IdentityRig unstarted = new IdentityRig(tmp);
        unstarted.countOnly = true;
        try (IdentityRig rig = unstarted.start(listener.vms(""), listener.serverTls())) {
            Path b = pki.dir().resolve("b");
            try (P9Client vm = P9Client.connect(
                    new InetSocketAddress("127.0.0.1", port),
                    MSIZE,
                    ClientTls.of(b.resolve(TestPki.CLIENT_CERT), b.resolve(TestPki.CLIENT_KEY), ca))) {
                vm.version(MSIZE, "9P2000.L");
                vm.attach(0, "root", "b", 0);
                vm.walk(0, 1, "b.txt");
                phase("warm-up", vm, null, null, port);
                byte[] hello = CannedClientHello.of(noCert);
                for (int round = 1; round <= 3; round++) {
                    phase("round " + round + " none", vm, null, null, port);
                    cannedPhase("round " + round + " canned-hello", vm, hello, port);
                }
                for (int round = 1; round <= Integer.getInteger("p9gate.measure.rounds", 2); round++) {
                    phase("round " + round + " none", vm, null, null, port);
                    phase("round " + round + " no-cert", vm, noCert, "127.0.0.3", port);
                    phase("round " + round + " none", vm, null, null, port);
                    phase("round " + round + " untrusted", vm, untrusted, "127.0.0.4", port);
                    phase("round " + round + " none", vm, null, null, port);
                    phase("round " + round + " valid-reconnect", vm, valid, "127.0.0.5", port);
                }
            }
            System.out.println("audit records: " + rig.recorded.get());
        }
    }

    private static SSLContext client(Path dir, Path ca) throws Exception {
        return ((JdkSslContext) ClientTls.of(dir.resolve(TestPki.CLIENT_CERT), dir.resolve(TestPki.CLIENT_KEY), ca))
                .context();
    }

    private static void cannedPhase(String name, P9Client vm, byte[] hello, int port) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong handshakes = new AtomicLong();
        AtomicLong attempts = new AtomicLong();
        List<Thread> flood = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            flood.add(Thread.ofPlatform().name("flood-" + i).start(() -> {
                byte[] buf = new byte[16384];
                while (!stop.get()) {
                    attempts.incrementAndGet();
                    try (Socket raw = new Socket()) {
                        raw.bind(new InetSocketAddress("127.0.0.2", 0));
                        raw.connect(new InetSocketAddress("127.0.0.1", port));
                        raw.setSoTimeout(2000);
                        raw.getOutputStream().write(hello);
                        // The server's whole flight (ServerHello .. Finished) is made, signature included, before
                        // its first byte is sent.
                        if (raw.getInputStream().read(buf) > 0) {
                            handshakes.incrementAndGet();
                        }
                    } catch (Exception e) {
                        // refused: the attacker goes on
                    }
                }
            }));
        }
        long a0 = attempts.get();
        measure(name, vm, flood, stop, handshakes);
        System.out.println("MEASURE   (attacker connections " + (attempts.get() - a0) / PHASE.toSeconds() + "/s)");
    }

    /** Each kind of attacker from an address of its own: a penalty one earned does not spill into the next. */
    private static void phase(String name, P9Client vm, SSLContext attacker, String from, int port) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong handshakes = new AtomicLong();
        List<Thread> flood = new ArrayList<>();
        if (attacker != null) {
            for (int i = 0; i < THREADS; i++) {
                flood.add(Thread.ofPlatform().name("flood-" + i).start(() -> {
                    while (!stop.get()) {
                        try (Socket raw = new Socket()) {
                            raw.bind(new InetSocketAddress(from, 0));
                            raw.connect(new InetSocketAddress("127.0.0.1", port));
                            try (SSLSocket s = (SSLSocket)
                                    attacker.getSocketFactory().createSocket(raw, "127.0.0.1", port, true)) {
                                s.setEnabledProtocols(new String[] {"TLSv1.3"});
                                s.setSoTimeout(2000);
                                s.startHandshake();
                                s.getInputStream().read(new byte[1], 0, 0);
                            }
                        } catch (Exception e) {
                            // refused or failed: the attacker goes on
                        }
                        handshakes.incrementAndGet(); // attempts: refused ones too
                    }
                }));
            }
        }
        measure(name, vm, flood, stop, handshakes);
    }

    private static void measure(String name, P9Client vm, List<Thread> flood, AtomicBoolean stop, AtomicLong handshakes)
            throws Exception {
        if (!flood.isEmpty()) {
            Thread.sleep(300);
        }
        long cpu0 = loopCpu();
        long h0 = handshakes.get();
        long start = System.nanoTime();
        long end = start + PHASE.toNanos();
        List<Long> rtts = new ArrayList<>();
        while (System.nanoTime() < end) {
            long t = System.nanoTime();
            vm.getattr(1, 0x3fffL);
            rtts.add(System.nanoTime() - t);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        long cpu = loopCpu() - cpu0;
        long done = handshakes.get() - h0;
        stop.set(true);
        for (Thread t : flood) {
            t.join();
        }
        long[] sorted = rtts.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.println(String.format(
                Locale.ROOT,
                "MEASURE %-26s getattr n=%6d (%6.0f/s) median %7.1f us p99 %8.1f us | attacker %6.0f /s"
                        + " | gateway loops CPU %5.1f %%",
                name,
                sorted.length,
                sorted.length / secs,
                sorted[sorted.length / 2] / 1e3,
                sorted[(int) (sorted.length * 0.99)] / 1e3,
                done / secs,
                100.0 * cpu / (secs * 1e9)));
    }

    /** CPU time of the gateway's accept and shared I/O loops (where TLS handshakes run). */
    private static long loopCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return Arrays.stream(mx.getThreadInfo(mx.getAllThreadIds()))
                .filter(i -> i != null && i.getThreadName().startsWith("p9gate-"))
                .filter(i -> !i.getThreadName().startsWith("p9gate-worker"))
                .mapToLong(ThreadInfo::getThreadId)
                .map(mx::getThreadCpuTime)
                .sum();
    }
}
