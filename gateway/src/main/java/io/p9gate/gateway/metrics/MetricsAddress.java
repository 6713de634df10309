package io.p9gate.gateway.metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/** Where the metrics are served and read: {@code unix:PATH} or {@code tcp:HOST:PORT}. */
public sealed interface MetricsAddress permits MetricsAddress.Unix, MetricsAddress.Tcp {
    /** The packaged unit's metrics socket, in its runtime directory (and what {@code p9gate status} reads). */
    Path PACKAGED_SOCKET = Path.of("/run/p9gate/metrics.sock");

    String PACKAGED = "unix:" + PACKAGED_SOCKET;

    /** Whether only this host can reach it: a unix socket always, tcp on a loopback address. */
    boolean hostOnly();

    String describe();

    record Unix(Path path) implements MetricsAddress {
        public boolean hostOnly() {
            return true;
        }

        public String describe() {
            return "unix:" + path;
        }
    }

    /** {@code port} 0 picks a free port when serving. */
    record Tcp(InetAddress host, int port) implements MetricsAddress {
        public boolean hostOnly() {
            return host.isLoopbackAddress();
        }

        public String describe() {
            String name = host.getHostAddress();
            return "tcp:" + (name.contains(":") ? "[" + name + "]" : name) + ":" + port;
        }

        InetSocketAddress socketAddress() {
            return new InetSocketAddress(host, port);
        }
    }

    /** @throws IllegalArgumentException with one line saying what is wrong */
    static MetricsAddress parse(String text) {
        if (text.startsWith("unix:") && text.length() > "unix:".length()) {
            return new Unix(Path.of(text.substring("unix:".length())));
        }
        if (text.startsWith("tcp:")) {
            String rest = text.substring("tcp:".length());
            int colon = rest.lastIndexOf(':');
            if (colon > 0) {
                String host = rest.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                return new Tcp(resolve(host, text), port(rest.substring(colon + 1), text));
            }
        }
        throw new IllegalArgumentException("metrics address must be unix:PATH or tcp:HOST:PORT, not '" + text + "'");
    }

    private static InetAddress resolve(String host, String text) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("metrics address '" + text + "': unknown host " + host);
        }
    }

    private static int port(String port, String text) {
        try {
            int value = Integer.parseInt(port);
            if (value >= 0 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("metrics address '" + text + "': port must be 0-65535, not '" + port + "'");
    }
}
