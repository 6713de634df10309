package io.p9gate.gateway.server;

import java.nio.file.Path;

/** Where a listener accepts connections: {@code tcp:HOST:PORT} or {@code unix:PATH}. */
public sealed interface ListenSpec {

    /** A name for logs and, later, for mapping a listener to its VM. */
    String describe();

    record Tcp(String host, int port) implements ListenSpec {
        public String describe() { return "tcp:" + host + ":" + port; }
    }

    record Unix(Path path) implements ListenSpec {
        public String describe() { return "unix:" + path; }
    }

    /**
     * Parses {@code tcp:HOST:PORT} (port 0 = any free port) or {@code unix:PATH}.
     *
     * @throws IllegalArgumentException with a one-line message naming what is wrong
     */
    static ListenSpec parse(String text) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
