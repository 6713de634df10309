package io.p9gate.gateway.server;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Where a listener accepts connections: {@code tcp:HOST:PORT} or {@code unix:PATH}. */
public sealed interface ListenSpec {

    /** A name for logs and, later, for mapping a listener to its VM. */
    String describe();

    record Tcp(String host, int port) implements ListenSpec {
        public Tcp {
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("tcp listen address needs a host");
            }
            if (port < 0 || port > 0xffff) {
                throw new IllegalArgumentException("tcp port out of range 0-65535: " + port);
            }
        }

        public String describe() {
            return "tcp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    record Unix(Path path) implements ListenSpec {
        public String describe() { return "unix:" + path; }
    }

    /**
     * Parses {@code tcp:HOST:PORT} (port 0 = any free port; IPv6 hosts in brackets) or
     * {@code unix:PATH}.
     *
     * @throws IllegalArgumentException with a one-line message naming what is wrong
     */
    static ListenSpec parse(String text) {
        String usage = "expected tcp:HOST:PORT or unix:PATH";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty listen address; " + usage);
        }
        if (text.startsWith("tcp:")) {
            return parseTcp(text, text.substring(4));
        }
        if (text.startsWith("unix:")) {
            String path = text.substring(5);
            if (path.isEmpty()) {
                throw new IllegalArgumentException("listen address '" + text + "' has no socket path");
            }
            try {
                return new Unix(Path.of(path));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("listen address '" + text + "': invalid path: " + e.getReason());
            }
        }
        throw new IllegalArgumentException("unknown listen address '" + text + "'; " + usage);
    }

    private static Tcp parseTcp(String text, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("listen address '" + text + "' needs tcp:HOST:PORT");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("listen address '" + text + "': put IPv6 hosts in brackets, "
                    + "e.g. tcp:[::1]:5640");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("listen address '" + text + "' has an empty host");
        }
        String portText = hostPort.substring(colon + 1);
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen address '" + text + "': port is not a number: " + portText);
        }
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("listen address '" + text + "': port out of range 0-65535");
        }
        return new Tcp(host, port);
    }
}
