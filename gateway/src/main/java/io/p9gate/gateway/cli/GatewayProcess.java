package io.p9gate.gateway.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a process is the gateway a pid file is for, read from {@code /proc/PID}: its command line runs
 * {@code io.p9gate.gateway.cli.Main serve} with {@code --pid-file} naming that file. A pid file outlives a gateway
 * killed without its exit hooks, and its pid may since be another process's, which SIGHUP would end.
 */
final class GatewayProcess {
    private static final String MAIN = Main.class.getName();

    private GatewayProcess() {}

    /** The process's arguments, argv[0] first; empty for a zombie or a kernel thread. */
    static List<String> commandLine(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        String text = new String(raw, StandardCharsets.UTF_8);
        if (text.endsWith("\0")) {
            text = text.substring(0, text.length() - 1);
        }
        return text.isEmpty() ? List.of() : List.of(text.split("\0", -1));
    }

    /** Its working directory, against which a relative {@code --pid-file} was resolved; null if not readable. */
    static Path workingDirectory(long pid) {
        try {
            return Path.of("/proc", Long.toString(pid), "cwd").toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Whether {@code args} run {@code p9gate serve} with {@code --pid-file} naming {@code pidFile} (absolute),
     * a relative one taken from {@code cwd}.
     */
    static boolean isServeWith(List<String> args, Path cwd, Path pidFile) {
        int main = args.indexOf(MAIN);
        if (main < 0 || main + 1 >= args.size() || !args.get(main + 1).equals("serve")) {
            return false;
        }
        List<String> options = args.subList(main + 2, args.size());
        for (int i = 0; i < options.size(); i++) {
            String a = options.get(i);
            String value = a.startsWith("--pid-file=")
                    ? a.substring("--pid-file=".length())
                    : a.equals("--pid-file") && i + 1 < options.size() ? options.get(i + 1) : null;
            if (value != null && sameFile(resolve(cwd, value), pidFile)) {
                return true;
            }
        }
        return false;
    }

    private static Path resolve(Path cwd, String value) {
        Path p = Path.of(value);
        return p.isAbsolute() || cwd == null ? p : cwd.resolve(p);
    }

    private static boolean sameFile(Path a, Path b) {
        if (a.normalize().equals(b.normalize())) {
            return true;
        }
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
