package io.p9gate.gateway.ops;

import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by {@link CreateModeUmaskTest} in a child JVM started under a known umask (a JVM cannot set its own
 * umask): prints the process umask the kernel reports, then creates a file, a directory and a fifo with modes
 * that umask 022 would change. The parent checks the host modes.
 */
public final class UmaskedCreates {
    static final int FILE_MODE = 0620;
    static final int DIR_MODE = 0777;
    static final int FIFO_MODE = 0666;
    private static final int RDWR = 2;
    private static final int S_IFIFO = 0010000;

    private UmaskedCreates() {}

    public static void main(String[] args) throws Exception {
        Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Umask:"))
                .forEach(System.out::println);
        try (ShareServerFactory factory = TestSession.factory(Path.of(args[0]));
                TestSession s = TestSession.attached(factory)) {
            s.walk(0, 1);
            s.lcreate(1, "file", RDWR, FILE_MODE);
            s.clunk(1);
            s.expect(RMessage.Rmkdir.class, new TMessage.Tmkdir(0, "dir", DIR_MODE, 0));
            s.expect(RMessage.Rmknod.class, new TMessage.Tmknod(0, "fifo", S_IFIFO | FIFO_MODE, 0, 0, 0));
        }
    }
}
