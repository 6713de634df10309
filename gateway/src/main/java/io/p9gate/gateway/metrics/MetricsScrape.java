package io.p9gate.gateway.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** One {@code GET /metrics} from a {@link MetricsEndpoint} (unix or tcp), as {@code p9gate status} does it. */
public final class MetricsScrape {
    private MetricsScrape() {}

    /** @throws IOException with one line: cannot connect, or what the endpoint answered instead of metrics */
    public static MetricSamples from(MetricsAddress address) throws IOException {
        try (SocketChannel channel = connect(address)) {
            channel.write(ByteBuffer.wrap(
                    "GET /metrics HTTP/1.0\r\nHost: p9gate\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            String response;
            try (InputStream in = Channels.newInputStream(channel)) {
                response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int bodyAt = response.indexOf("\r\n\r\n");
            String statusLine = response.lines().findFirst().orElse("");
            if (bodyAt < 0 || !statusLine.matches("HTTP/1\\.[01] 200.*")) {
                throw new IOException(address.describe() + " answered '" + statusLine + "', not metrics");
            }
            try {
                return MetricSamples.parse(response.substring(bodyAt + 4));
            } catch (IllegalArgumentException e) {
                throw new IOException(address.describe() + ": " + e.getMessage());
            }
        }
    }

    private static SocketChannel connect(MetricsAddress address) throws IOException {
        try {
            return switch (address) {
                case MetricsAddress.Unix unix -> SocketChannel.open(UnixDomainSocketAddress.of(unix.path()));
                case MetricsAddress.Tcp tcp -> SocketChannel.open(tcp.socketAddress());
            };
        } catch (IOException e) {
            throw new IOException(
                    "cannot reach the metrics endpoint " + address.describe() + ": " + e.getMessage()
                            + " (is 'p9gate serve --metrics " + address.describe() + "' running?)",
                    e);
        }
    }
}
