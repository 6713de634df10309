package io.p9gate.gateway.metrics;

import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.server.SocketFileWatch;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * {@code GET /metrics} in the Prometheus text format, over a unix socket (mode 0600) or tcp. Deliberately tiny
 * (HTTP/1.0, one request per connection, {@code Connection: close}): the JDK's HTTP server cannot listen on a
 * unix socket, and the endpoint must not share the 9P event loops. Scrapes run on virtual threads, a few at
 * once; they read counters only, so a slow or stuck scraper never holds up a 9P request.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MetricsEndpoint.class.getName());
    /** A request line and headers larger than this are not a scrape. */
    private static final int MAX_REQUEST = 8192;

    static final int CONCURRENT_SCRAPES = 4;
    /**
     * How long one connection may take, from its accept to the end of its answer: a peer that sends no request or
     * reads no answer is closed then. Without it, {@link #CONCURRENT_SCRAPES} idle connections (any local process,
     * or a guest whose network reaches a loopback metrics port) took every scrape slot for good, and every scrape
     * after them was closed unanswered. {@code p9gate status} waits 10 s for its answer.
     */
    static final Duration SCRAPE_DEADLINE = Duration.ofSeconds(10);
    /** The wait after a failed accept before the next one. */
    static final Duration ACCEPT_RETRY = Duration.ofMillis(100);

    private static final PeerCausedLog ACCEPT_FAILED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    /** The listening socket; a unix socket's is replaced when its file is bound again ({@link #checkSocketFile}). */
    private volatile ServerSocketChannel server;

    private final PrometheusRegistry registry;
    private final Path socketFile;
    /** The inode of the socket file this endpoint bound ({@code fileKey}), so that close removes only its own. */
    private volatile Object socketKey;
    /**
     * Binds the unix socket again when its file is deleted: scrapers and {@code p9gate status} connect by the path,
     * and the endpoint would otherwise serve on unreachable, unnoticed, until a restart.
     */
    private final SocketFileWatch socketWatch = new SocketFileWatch("metrics endpoint", "scrapers and p9gate status");

    private final ScrapeSlots slots = new ScrapeSlots(CONCURRENT_SCRAPES);
    private final Duration deadline;

    private MetricsEndpoint(
            ServerSocketChannel server, PrometheusRegistry registry, Path socketFile, Duration deadline) {
        this.server = server;
        this.registry = registry;
        this.socketFile = socketFile;
        this.socketKey = socketFile == null ? null : fileKey(socketFile);
        this.deadline = deadline;
        if (socketFile != null) {
            socketWatch.add(new UnixSocket(this, server, socketKey));
        }
    }

    /** Binds {@code address} and starts serving; a unix socket is created 0600 (bound privately, renamed into place). */
    public static MetricsEndpoint start(MetricsAddress address, PrometheusRegistry registry) throws IOException {
        return start(address, registry, bound -> {});
    }

    /** As {@link #start(MetricsAddress, PrometheusRegistry)}; {@code bound} sees where a unix socket was bound. */
    static MetricsEndpoint start(MetricsAddress address, PrometheusRegistry registry, Consumer<Path> bound)
            throws IOException {
        return start(address, registry, bound, SCRAPE_DEADLINE);
    }

    /** As {@link #start(MetricsAddress, PrometheusRegistry, Consumer)}, closing connections after {@code deadline}. */
    static MetricsEndpoint start(
            MetricsAddress address, PrometheusRegistry registry, Consumer<Path> bound, Duration deadline)
            throws IOException {
        MetricsEndpoint endpoint = switch (address) {
            case MetricsAddress.Unix unix ->
                new MetricsEndpoint(bindUnix(unix.path(), bound), registry, unix.path(), deadline);
            case MetricsAddress.Tcp tcp -> {
                ServerSocketChannel channel = ServerSocketChannel.open();
                try {
                    channel.bind(tcp.socketAddress());
                } catch (IOException e) {
                    channel.close();
                    throw new IOException("metrics: cannot listen on " + tcp.describe() + ": " + e.getMessage(), e);
                }
                yield new MetricsEndpoint(channel, registry, null, deadline);
            }
        };
        endpoint.accept(endpoint.server);
        endpoint.socketWatch.start(endpoint::checkSocketFile);
        return endpoint;
    }

    /** Where it listens (the actual port for tcp port 0). */
    public SocketAddress boundAddress() throws IOException {
        return server.getLocalAddress();
    }

    /**
     * bind(2) creates the socket file with the process's umask, so it is bound in a fresh private directory (0700)
     * beside its name, where nobody else can connect before its chmod to 0600, and renamed into place: a stale
     * socket of an earlier run is replaced; a socket something still listens on, or anything that is not a socket
     * (a file, a directory, a symbolic link, a FIFO), is not.
     */
    private static ServerSocketChannel bindUnix(Path path, Consumer<Path> bound) throws IOException {
        StaleSocket.refuseUnlessReplaceable(path);
        Path parent = path.toAbsolutePath().getParent();
        Path privateDir;
        try {
            privateDir = Files.createTempDirectory(
                    parent, ".p9m", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (NoSuchFileException e) {
            // Said with the private directory's name alone, a name nobody gave.
            throw new IOException(
                    "metrics: cannot listen on unix:" + path + ": its directory " + parent + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new IOException(
                    "metrics: cannot listen on unix:" + path + ": its directory " + parent + " is not writable", e);
        } catch (IOException e) {
            throw new IOException("metrics: cannot listen on unix:" + path + ": " + e.getMessage(), e);
        }
        Path staging = privateDir.resolve("s");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(staging));
            bound.accept(staging);
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rw-------"));
            Files.move(staging, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return channel;
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(staging);
            throw new IOException("metrics: cannot listen on unix:" + path + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(privateDir);
        }
    }

    /** Serves the connections of {@code channel} on a thread of its own, until it is closed. */
    private void accept(ServerSocketChannel channel) {
        Thread.ofPlatform()
                .name("p9gate-metrics")
                .daemon()
                .start(() -> acceptEach(channel::accept, channel::isOpen, this::serve, ACCEPT_FAILED, Thread::sleep));
    }

    /**
     * Binds the unix socket again if its file was deleted or replaced by a stale socket ({@link SocketFileWatch});
     * run every {@link SocketFileWatch#EVERY}.
     */
    void checkSocketFile() {
        socketWatch.check();
    }

    /** Why the unix socket's file is lost and cannot be bound again, if it is. */
    Map<String, String> lostSocketFile() {
        return socketWatch.lost();
    }

    /** The unix socket {@code channel} of {@code endpoint} (its file's identity {@code key}), as the watch sees it. */
    private record UnixSocket(MetricsEndpoint endpoint, ServerSocketChannel channel, Object key)
            implements SocketFileWatch.Bound {
        @Override
        public String describe() {
            return "unix:" + endpoint.socketFile;
        }

        @Override
        public Optional<String> socketFileLost() {
            return SocketFileWatch.lostAt(endpoint.socketFile, key);
        }

        @Override
        public SocketFileWatch.Bound bindAgain() throws IOException {
            return endpoint.bindAgain();
        }

        @Override
        public void retire() {
            try {
                channel.close(); // its acceptor ends
            } catch (IOException e) {
                // Closed anyway.
            }
        }
    }

    /** A fresh unix socket at the path, serving in place of the lost one; or none, and nothing of it left. */
    private UnixSocket bindAgain() throws IOException {
        ServerSocketChannel fresh = bindUnix(socketFile, bound -> {});
        socketKey = fileKey(socketFile);
        server = fresh;
        accept(fresh);
        return new UnixSocket(this, fresh, socketKey);
    }

    /** accept(2) on the listening socket (a seam: tests make it fail). */
    interface Acceptor {
        SocketChannel accept() throws IOException;
    }

    /** The wait after a failed accept (a seam: tests count the waits instead of sleeping). */
    interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    /**
     * Serves each accepted connection until the socket is closed. A failed accept (EMFILE when the process is out
     * of descriptors, ENFILE, ENOBUFS) usually fails again at once: it is logged at most once a minute and the
     * loop waits {@link #ACCEPT_RETRY} before the next, so a lasting failure neither fills the log nor keeps a
     * core busy.
     */
    static void acceptEach(
            Acceptor acceptor, BooleanSupplier open, Consumer<SocketChannel> serve, PeerCausedLog failed, Pause pause) {
        while (open.getAsBoolean()) {
            try {
                serve.accept(acceptor.accept());
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                failed.log(() -> "metrics: accept failed: " + e.getMessage());
                try {
                    pause.pause(ACCEPT_RETRY);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        ScrapeSlots.Slot slot = slots.take(client);
        if (slot == null) {
            try {
                client.close(); // every slot is answering; the next scrape will see the same counters
            } catch (IOException e) {
                // Closed anyway.
            }
            return;
        }
        Thread.ofVirtual().name("p9gate-metrics-scrape").start(() -> {
            Thread watchdog =
                    Thread.ofVirtual().name("p9gate-metrics-deadline").start(() -> closeAfterDeadline(client));
            try (client) {
                answer(client, slot);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "metrics: scrape failed: " + e.getMessage());
            } finally {
                watchdog.interrupt();
                slots.release(slot);
            }
        });
    }

    /** Closes {@code client} once the deadline passes, unless interrupted first (the scrape ended). */
    private void closeAfterDeadline(SocketChannel client) {
        try {
            Thread.sleep(deadline);
            client.close(); // the scrape's blocked read or write fails, and its slot is given back
        } catch (InterruptedException | IOException e) {
            // Ended in time, or already closed.
        }
    }

    private void answer(SocketChannel client, ScrapeSlots.Slot slot) throws IOException {
        String requestLine = new RequestHead(MAX_REQUEST).readFrom(client).requestLine();
        slots.requested(slot);
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/")) {
            respond(client, "400 Bad Request", "text/plain", "bad request\n".getBytes(StandardCharsets.US_ASCII));
        } else if (!parts[0].equals("GET")) {
            respond(client, "405 Method Not Allowed", "text/plain", "GET only\n".getBytes(StandardCharsets.US_ASCII));
        } else if (!parts[1].equals("/metrics") && !parts[1].startsWith("/metrics?")) {
            respond(client, "404 Not Found", "text/plain", "try /metrics\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writer.write(body, registry.scrape());
            respond(client, "200 OK", writer.getContentType(), body.toByteArray());
        }
    }

    private static void respond(SocketChannel client, String status, String type, byte[] body) throws IOException {
        String head = "HTTP/1.0 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        var out = Channels.newOutputStream(client);
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /**
     * Stops listening and removes the socket file, if it is still the one this endpoint bound: a socket another
     * process put at its name since (a gateway started later with the same address) is left to its owner.
     */
    @Override
    public void close() throws IOException {
        socketWatch.close(); // no bind again after this
        server.close();
        if (socketFile != null && socketKey != null && socketKey.equals(fileKey(socketFile))) {
            Files.deleteIfExists(socketFile);
        }
    }

    /** The file's identity (device and inode), not following a link; null if it cannot be read (nothing there). */
    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}
