package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.server.ServerTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.security.auth.x500.X500Principal;

/**
 * VMs a and b on one {@code tls:} listener of a free loopback port, each named by its client certificate's subject
 * under one test CA (certificates made now, for a day).
 */
record SharedTlsListener(TestPki pki, ServerTls serverTls, int port) {
    static SharedTlsListener create(Path tmp) throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("a", Duration.ofDays(1));
        pki.issueClient("b", Duration.ofDays(1));
        ServerTls serverTls =
                ServerTls.load(pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY));
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new SharedTlsListener(pki, serverTls, probe.getLocalPort());
        }
    }

    /** A client with {@code vm}'s certificate, connected (no Tversion sent yet). */
    P9Client connect(String vm, int msize) throws IOException {
        return connect(vm, msize, port);
    }

    /** A client with {@code vm}'s certificate, connected to another listener of the same server certificate. */
    P9Client connect(String vm, int msize, int port) throws IOException {
        Path dir = pki.dir().resolve(vm);
        return P9Client.connect(
                new InetSocketAddress("127.0.0.1", port),
                msize,
                ClientTls.of(
                        dir.resolve(TestPki.CLIENT_CERT),
                        dir.resolve(TestPki.CLIENT_KEY),
                        pki.dir().resolve(TestPki.CA_CERT)));
    }

    /** A TLS 1.3 client presenting a certificate of {@code subject} that it signed itself; it trusts this CA. */
    SslContext selfSignedClient(X500Principal subject) throws Exception {
        KeyPair mine = TlsPeerIdentityTest.newKeyPair();
        X509Certificate selfSigned =
                TlsPeerIdentityTest.mint(subject, mine.getPublic(), subject, mine.getPrivate(), Instant.now(), false);
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3")
                .keyManager(mine.getPrivate(), selfSigned)
                .trustManager(pki.dir().resolve(TestPki.CA_CERT).toFile())
                .build();
    }

    /** Connects with {@code client} and asks for a session: the gateway must refuse it before any 9P reply. */
    void assertRefused(SslContext client) {
        assertThrows(IOException.class, () -> {
            try (P9Client c = P9Client.connect(new InetSocketAddress("127.0.0.1", port), 8192, client)) {
                c.version(8192, "9P2000.L");
                c.attach(0, "root", "a", 0);
            }
        });
    }

    /** Sends {@code hello} on a connection of its own and reads what the gateway answers (an alert) until it closes. */
    void helloUntilClosed(byte[] hello) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(hello);
            s.setSoTimeout(10_000);
            while (s.getInputStream().read() >= 0) {
                // the alert, then the gateway closes the connection
            }
        }
    }

    /** Adds to {@code into} {@code n} connections from 127.0.0.2, another loopback address, that never handshake. */
    void silentConnections(int n, List<Socket> into) throws IOException {
        silentConnections(n, "127.0.0.2", into);
    }

    /** Adds to {@code into} {@code n} connections from {@code from} (a loopback address) that never handshake. */
    void silentConnections(int n, String from, List<Socket> into) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            into.add(s);
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port));
        }
    }

    /** The policy's VMs, each with {@code limits} (YAML of its {@code limits:}, or "" for none). */
    String vms(String limits) {
        String each = limits.isEmpty() ? "" : "\n  limits: " + limits;
        return """
                a:
                  listen: tls:127.0.0.1:%1$d
                  client-cert: {ca: %2$s, subject: "CN=a"}
                  shares: {a: {path: %%A, access: read-only}}%3$s
                b:
                  listen: tls:127.0.0.1:%1$d
                  client-cert: {ca: %2$s, subject: "CN=b"}
                  shares: {b: {path: %%B, access: read-only}}%3$s
                """.formatted(port, pki.dir().resolve(TestPki.CA_CERT), each);
    }

    /**
     * How many of the sockets the gateway has closed: each read to its end (a TLS alert may come first) for at most
     * 2 s, all at once.
     */
    static int closedByGateway(List<Socket> sockets) throws Exception {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> closed = new ArrayList<>();
            for (Socket s : sockets) {
                closed.add(pool.submit((Callable<Boolean>) () -> {
                    s.setSoTimeout(2000);
                    try {
                        while (s.getInputStream().read() >= 0) {
                            // what the gateway sent before closing
                        }
                        return true;
                    } catch (SocketTimeoutException open) {
                        return false;
                    } catch (IOException reset) {
                        return true;
                    }
                }));
            }
            int n = 0;
            for (Future<Boolean> f : closed) {
                n += f.get() ? 1 : 0;
            }
            return n;
        }
    }

    /**
     * The sockets of this process (the gateway runs in it) whose local port is the listener's, the listening one
     * aside: those the gateway accepted and has not closed (not those waiting in the kernel's listen queue, which
     * hold no descriptor). The test's own client sockets have the listener's port as their remote one.
     */
    int openInGateway() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        String localPort = ":%04X".formatted(port);
        int open = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                boolean listening = f.length > 9 && f[3].equals("0A");
                if (f.length > 9 && f[1].endsWith(localPort) && !listening && inodes.contains(f[9])) {
                    open++;
                }
            }
        }
        return open;
    }
}
