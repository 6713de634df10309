package io.p9gate.gateway.guest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of one guest run (run-guest.sh's command line, minus the server).
 * Build with {@link #script(Path)} and the {@code with...} methods.
 */
public record GuestRun(
        Path script,
        int msize,
        String aname,
        String mountOpts,
        List<Path> addBins,
        Map<String, String> env,
        Duration timeout,
        String dialect) {
    /** The msize the guest tests ask for (the kernel's fd transport allows up to 1 MiB). */
    public static final int TEST_MSIZE = 524288;

    /**
     * The least time a run is given, whatever its test asks: on a loaded 2-core machine (load 25, session 44) the guest
     * took 60 s to boot and mount, and GuestBigMsizeGlobIT's 150 s ended both its runs mid-script (exit 124). A test's
     * timeout only lengthens it.
     */
    public static final Duration LEAST_TIMEOUT = Duration.ofMinutes(5);

    public GuestRun {
        addBins = List.copyOf(addBins);
        env = Map.copyOf(env);
        timeout = timeout.compareTo(LEAST_TIMEOUT) < 0 ? LEAST_TIMEOUT : timeout;
    }

    public static GuestRun script(Path script) {
        return new GuestRun(script, TEST_MSIZE, "", "", List.of(), Map.of(), LEAST_TIMEOUT, "");
    }

    public GuestRun withAname(String value) {
        return new GuestRun(script, msize, value, mountOpts, addBins, env, timeout, dialect);
    }

    public GuestRun withMountOpts(String value) {
        return new GuestRun(script, msize, aname, value, addBins, env, timeout, dialect);
    }

    public GuestRun withMsize(int value) {
        return new GuestRun(script, value, aname, mountOpts, addBins, env, timeout, dialect);
    }

    public GuestRun withTimeout(Duration value) {
        return new GuestRun(script, msize, aname, mountOpts, addBins, env, value, dialect);
    }

    /** The mount's protocol version ({@code --dialect}: 9p2000.L, 9p2000.u or 9p2000); empty = the harness's .L. */
    public GuestRun withDialect(String value) {
        return new GuestRun(script, msize, aname, mountOpts, addBins, env, timeout, value);
    }

    public GuestRun withBin(Path binary) {
        List<Path> bins = new ArrayList<>(addBins);
        bins.add(binary);
        return new GuestRun(script, msize, aname, mountOpts, bins, env, timeout, dialect);
    }

    public GuestRun withEnv(String name, String value) {
        Map<String, String> vars = new LinkedHashMap<>(env);
        vars.put(name, value);
        return new GuestRun(script, msize, aname, mountOpts, addBins, vars, timeout, dialect);
    }

    /** run-guest.sh's arguments for a server on {@code host:port}. */
    List<String> arguments(String server) {
        return arguments(List.of("--server", server));
    }

    /** run-guest.sh's arguments after the server's ({@code --server HOST:PORT} or {@code --unix PATH}). */
    List<String> arguments(List<String> server) {
        List<String> args = new ArrayList<>(server);
        args.addAll(List.of(
                "--script",
                script.toString(),
                "--msize",
                Integer.toString(msize),
                "--timeout",
                Long.toString(timeout.toSeconds())));
        if (!aname.isEmpty()) {
            args.addAll(List.of("--aname", aname));
        }
        if (!mountOpts.isEmpty()) {
            args.addAll(List.of("--mount-opts", mountOpts));
        }
        if (!dialect.isEmpty()) {
            args.addAll(List.of("--dialect", dialect));
        }
        addBins.forEach(bin -> args.addAll(List.of("--add-bin", bin.toString())));
        env.forEach((name, value) -> args.addAll(List.of("--env", name + "=" + value)));
        return args;
    }
}
