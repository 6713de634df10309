package io.p9gate.gateway.metrics;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One {@code GET /metrics} from a {@link MetricsEndpoint} (unix or tcp), as {@code p9gate status} does it. The address
 * is the operator's and may be anything (a web server, an echo, a port that accepts and never answers), so the
 * exchange has a deadline and the answer a size limit: status fails with one line instead of hanging or filling
 * its heap.
 */
public final class MetricsScrape {
    /** The gateway answers in milliseconds; this is for a peer that never does. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Far above a gateway's metrics (a few KiB per VM). */
    static final int MAX_RESPONSE = 16 << 20;

    private MetricsScrape() {}

    /** @throws IOException with one line: cannot connect, or what the endpoint answered instead of metrics */
    public static MetricSamples from(MetricsAddress address) throws IOException {
        return from(address, DEADLINE);
    }

    static MetricSamples from(MetricsAddress address, Duration deadline) throws IOException {
        try (SocketChannel channel = SocketChannel.open(family(address))) {
            // Blocking channels have no read timeout: a watchdog closes the channel at the deadline.
            Thread watchdog = Thread.ofVirtual().start(() -> closeAt(channel, deadline));
            try {
                return exchange(channel, address);
            } catch (AsynchronousCloseException e) {
                throw new IOException(address.describe() + " did not answer within " + deadline.toSeconds()
                        + " s (is it 'p9gate serve --metrics'?)");
            } finally {
                watchdog.interrupt();
            }
        }
    }

    private static MetricSamples exchange(SocketChannel channel, MetricsAddress address) throws IOException {
        connect(channel, address);
        byte[] bytes = request(channel, address);
        if (bytes.length == 0) {
            throw new IOException(address.describe() + " closed the connection without an answer (a gateway already "
                    + "serving as many scrapes as it takes at once, or not 'p9gate serve --metrics')");
        }
        if (bytes.length > MAX_RESPONSE) {
            throw new IOException(
                    address.describe() + " answered more than " + (MAX_RESPONSE >> 20) + " MiB, not metrics");
        }
        String response = new String(bytes, StandardCharsets.UTF_8);
        int bodyAt = response.indexOf("\r\n\r\n");
        String statusLine = response.lines().findFirst().orElse("");
        if (bodyAt < 0 || !statusLine.matches("HTTP/1\\.[01] 200.*")) {
            throw new IOException(
                    address.describe() + " answered '" + MetricSamples.excerpt(statusLine) + "', not metrics");
        }
        try {
            return MetricSamples.parse(response.substring(bodyAt + 4));
        } catch (IllegalArgumentException e) {
            throw new IOException(address.describe() + ": " + e.getMessage());
        }
    }

    /**
     * Sends the request and reads the answer, up to one byte more than {@link #MAX_RESPONSE}. A connection the
     * peer resets is one line naming the endpoint, not the bare "Connection reset" of the socket.
     */
    private static byte[] request(SocketChannel channel, MetricsAddress address) throws IOException {
        try {
            channel.write(ByteBuffer.wrap(
                    "GET /metrics HTTP/1.0\r\nHost: p9gate\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            return Channels.newInputStream(channel).readNBytes(MAX_RESPONSE + 1);
        } catch (AsynchronousCloseException e) {
            throw e; // the deadline
        } catch (IOException e) {
            throw new IOException(
                    address.describe() + " broke off the connection before its answer ended ("
                            + (e.getMessage() != null
                                    ? e.getMessage()
                                    : e.getClass().getSimpleName())
                            + "); is it 'p9gate serve --metrics'?",
                    e);
        }
    }

    private static void closeAt(SocketChannel channel, Duration deadline) {
        try {
            Thread.sleep(deadline);
            channel.close();
        } catch (InterruptedException | IOException e) {
            // the exchange ended in time (interrupted), or the channel is closed already
        }
    }

    private static StandardProtocolFamily family(MetricsAddress address) {
        return switch (address) {
            case MetricsAddress.Unix unix -> StandardProtocolFamily.UNIX;
            case MetricsAddress.Tcp tcp ->
                tcp.socketAddress().getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET;
        };
    }

    private static void connect(SocketChannel channel, MetricsAddress address) throws IOException {
        try {
            switch (address) {
                case MetricsAddress.Unix unix -> channel.connect(UnixDomainSocketAddress.of(unix.path()));
                case MetricsAddress.Tcp tcp -> channel.connect(tcp.socketAddress());
            }
        } catch (AsynchronousCloseException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException(
                    "cannot reach the metrics endpoint " + address.describe() + ": " + e.getMessage()
                            + " (is 'p9gate serve --metrics " + address.describe() + "' running?)",
                    e);
        }
    }
}
