package io.p9gate.gateway.guest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one guest run produced.
 *
 * @param exitCode run-guest.sh's status: the script's, or 125 (harness/mount failure), 124 (timeout)
 * @param output   the script's output and the harness's own lines (stdout and stderr merged)
 * @param checks   the TAP-like check lines found in the output
 */
public record GuestResult(int exitCode, String output, List<TapCheck> checks) {
    private static final int TAIL_LINES = 60;
    private static final int HARNESS_FAILURE = 125;
    /** 128 + SIGTERM: run-guest.sh's status with a socat TLS sidecar (its cleanup waits for the killed socat). */
    private static final int TLS_SIDECAR_KILLED = 143;

    public GuestResult {
        checks = List.copyOf(checks);
    }

    public List<TapCheck> failed() {
        return checks.stream().filter(c -> c.status() == TapCheck.Status.FAILED).toList();
    }

    public List<TapCheck> skipped() {
        return checks.stream()
                .filter(c -> c.status() == TapCheck.Status.SKIPPED)
                .toList();
    }

    /**
     * The guest kernel panicked while booting, before the script ran (no check line, harness failure 125): under
     * heavy host load QEMU's emulated timer can miss the kernel's IO-APIC check ("IO-APIC + timer doesn't work").
     * Nothing reached the server, so booting again is safe. With {@code --tls-dir} run-guest.sh's status is its killed
     * TLS sidecar's, {@value #TLS_SIDECAR_KILLED}, whatever the guest did, so that status counts as a harness failure.
     */
    public boolean panickedWhileBooting() {
        return (exitCode == HARNESS_FAILURE || exitCode == TLS_SIDECAR_KILLED)
                && checks.isEmpty()
                && output.contains("Kernel panic - not syncing");
    }

    /** The guest script's "@@ NAME VALUE" lines, by name in order (a later line of a name replaces the earlier). */
    public Map<String, String> marks() {
        Map<String, String> seen = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("@@ ")) {
                String[] parts = line.substring(3).strip().split(" ", 2);
                seen.put(parts[0], parts.length > 1 ? parts[1].strip() : "");
            }
        }
        return seen;
    }

    /** The last lines of the output, for assertion messages. */
    public String tail() {
        String[] lines = output.split("\n");
        int from = Math.max(0, lines.length - TAIL_LINES);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    /** A message naming the exit code, the failed checks and the output tail. */
    public String describe() {
        return "guest exit " + exitCode + ", failed checks " + failed() + "\n---- output tail ----\n" + tail();
    }
}
