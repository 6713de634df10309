package io.p9gate.gateway.metrics;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What may be at a metrics socket's path before the endpoint takes it: nothing, or a socket nobody listens on
 * (left by a gateway that was killed). A socket that still answers belongs to a running process, typically a
 * second gateway started with the same address: replacing it took that gateway's endpoint away unannounced, and
 * whichever of the two stopped first removed the other's socket. Anything else (a file, a directory, a symbolic
 * link, a FIFO, a device) is the operator's.
 */
final class StaleSocket {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private StaleSocket() {}

    /** @throws IOException saying why {@code path} is not replaced */
    static void refuseUnlessReplaceable(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("metrics: " + path + " exists and is not a socket; refusing to replace it");
        }
        String listening;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false); // a listener whose backlog is full must not hold up the start
            probe.connect(UnixDomainSocketAddress.of(path));
            listening = "a running process listens on it";
        } catch (ConnectException e) {
            return; // ECONNREFUSED: nobody listens, a stale socket
        } catch (IOException e) {
            listening = "cannot tell whether it is in use (" + e.getMessage() + ")";
        }
        throw new IOException("metrics: " + path + " is a socket and " + listening
                + " (another p9gate serve?); refusing to replace it");
    }
}
