package io.p9gate.gateway.cli;

import java.nio.file.Path;

/** The smallest serveable policy: one VM {@code v} on a Unix socket with one share {@code s}. */
final class OneSharePolicy {
    private OneSharePolicy() {}

    static String text(Path socket, Path share, String access) {
        return """
                image: t
                vms:
                  v:
                    listen: unix:%s
                    shares:
                      s: {path: %s, access: %s}
                """.formatted(socket, share, access);
    }
}
