package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential ground truth for data and POSIX results: the same seeded operation sequences ({@code fsx.c}:
 * writes across the msize boundaries, O_APPEND, truncates, writes through descriptors kept across renames and
 * unlinks, hard links, renames over existing entries, chmod, fsync, holes) run in the guest on p9gate, under
 * {@link PolicyFixture}'s VM alpha (ids mapped, read-only and hidden subtrees, a quota, a signed audit log), and on
 * a tmpfs of the guest's own, several sequences at once. Every operation's result or errno and the final
 * contents, sizes, modes, owners, link counts and listings must be the same; concurrent O_APPEND writers lose no
 * record; a directory read while entries come and go lists every stable entry once; and the audit log holds every
 * byte the guest wrote, every unlink, link and attribute change it made, under the paths it made them.
 */
class GuestDifferentialIT {
    private static final String SEEDS = "1 2 3";
    private static final String OPERATIONS = "300";
    private static final Pattern SECTION = Pattern.compile("^@@SECTION (\\S+) (\\S+)$");
    /** A successful write of fsx: {@code N pwrite|append|kept-pwrite NAME ... = BYTES}. */
    private static final Pattern WRITE = Pattern.compile("^\\d+ (pwrite|append|kept-pwrite) \\S+ .* = (\\d+)$");

    private static final Pattern SUCCESS = Pattern.compile("^\\d+ (\\S+) .* = 0$");

    @TempDir
    Path tmp;

    @Test
    void theMountEndsAsTheGuestsOwnTmpfsAndTheLogHoldsEveryChange() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path fsx = compileFsx();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        GuestResult result = alpha.run(
                harness,
                "p9gate-differential",
                GuestRun.script(RepoPaths.guestScripts().resolve("differential.sh"))
                        .withBin(fsx)
                        .withEnv("FSX", fsx.toString())
                        .withEnv("SEEDS", SEEDS)
                        .withEnv("NOPS", OPERATIONS)
                        .withTimeout(Duration.ofMinutes(15)));
        assertEquals(0, result.exitCode(), result::describe);
        Map<String, List<String>> sections = sections(result.output());
        List<String> written = new ArrayList<>();
        for (String seed : SEEDS.split(" ")) {
            List<String> mount = sections.get("9p " + seed);
            List<String> tmpfs = sections.get("tmpfs " + seed);
            assertTrue(tmpfs != null && tmpfs.size() > Integer.parseInt(OPERATIONS) / 2, result::describe);
            assertTrue(
                    tmpfs.equals(mount),
                    () -> "seed " + seed + ": the 9P mount differs from the guest's tmpfs, "
                            + firstDifference(tmpfs, mount));
            mount.forEach(line -> written.add("/run-" + seed + " " + line));
        }
        List<String> checks = sections.get("checks 0");
        assertEquals(
                List.of(
                        "append-check kids=3 recs=400 size=120000 expected=120000 bad=0",
                        "readdir-check stable=600 rounds=10 bad=0"),
                checks,
                result::describe);

        SignedLogs logs = alpha.logs();
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        GuestChanges guest = GuestChanges.of(written);
        GuestChanges recorded = GuestChanges.recorded(logs.records());
        assertFalse(guest.writtenBytes() == 0, "the sequences wrote nothing");
        assertEquals(guest, recorded, "what the guest changed against what the audit log holds");
    }

    /** What the sequences changed in the mount, counted from the guest's lines or from the audit records. */
    record GuestChanges(long writtenBytes, long unlinks, long links, long attributeChanges) {
        static GuestChanges of(List<String> lines) {
            long bytes = 0;
            long unlinks = 0;
            long links = 0;
            long setattrs = 0;
            for (String prefixed : lines) {
                String line = prefixed.substring(prefixed.indexOf(' ') + 1);
                Matcher write = WRITE.matcher(line);
                if (write.matches()) {
                    bytes += Long.parseLong(write.group(2));
                }
                Matcher ok = SUCCESS.matcher(line);
                if (ok.matches()) {
                    switch (ok.group(1)) {
                        case "unlink" -> unlinks++;
                        case "link" -> links++;
                        case "truncate", "ftruncate", "chmod" -> setattrs++;
                        default -> {}
                    }
                }
            }
            return new GuestChanges(bytes, unlinks, links, setattrs);
        }

        /** The successful decisions under the sequences' directories; an intent whose outcome failed counts not. */
        static GuestChanges recorded(List<AuditRecord> records) {
            Set<String> failedIntents = new HashSet<>();
            for (AuditRecord r : records) {
                if (r.isDecision() && r.errno() != null && r.errno() != 0 && r.detail() != null) {
                    Matcher intent = Pattern.compile("\\bintent=(\\d+)").matcher(r.detail());
                    if (intent.find()) {
                        failedIntents.add(intent.group(1));
                    }
                }
            }
            long bytes = 0;
            long unlinks = 0;
            long links = 0;
            long setattrs = 0;
            for (AuditRecord r : records) {
                if (!r.isDecision()
                        || r.errno() == null
                        || r.errno() != 0
                        || r.path() == null
                        || !r.path().startsWith("/run-")
                        || failedIntents.contains(Long.toString(r.seq()))) {
                    continue;
                }
                switch (r.op()) {
                    case "write" -> bytes += r.bytes() == null ? 0 : r.bytes();
                    case "unlinkat" -> unlinks += r.requests();
                    case "link" -> links += r.requests();
                    case "setattr" -> setattrs += r.requests();
                    default -> {}
                }
            }
            return new GuestChanges(bytes, unlinks, links, setattrs);
        }
    }

    /** Where two runs' lines part: the first line that differs, or the one that only one of them has. */
    static String firstDifference(List<String> tmpfs, List<String> mount) {
        for (int i = 0; i < Math.max(tmpfs.size(), mount.size()); i++) {
            String expected = i < tmpfs.size() ? tmpfs.get(i) : "(no line)";
            String actual = i < mount.size() ? mount.get(i) : "(no line)";
            if (!expected.equals(actual)) {
                return "line " + (i + 1) + ": tmpfs '" + expected + "', 9P '" + actual + "'";
            }
        }
        return "no line differs";
    }

    /** The script's output by {@code @@SECTION SIDE SEED} marker, harness lines left out. */
    static Map<String, List<String>> sections(String output) {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : output.split("\n")) {
            Matcher marker = SECTION.matcher(line);
            if (marker.matches()) {
                current = new ArrayList<>();
                sections.put(marker.group(1) + " " + marker.group(2), current);
            } else if (current != null && !line.startsWith("run-guest:")) {
                current.add(line);
            }
        }
        return sections;
    }

    /** gcc -static builds fsx.c on the host (the guest has no compiler). */
    private static Path compileFsx() throws IOException, InterruptedException {
        Path source = RepoPaths.guestScripts().resolve("fsx.c");
        Path binary = RepoPaths.root().resolve("gateway/target/guest-bin/fsx");
        java.nio.file.Files.createDirectories(binary.getParent());
        HostBuild.run(
                "gcc -static fsx.c (install gcc and libc6-dev)",
                List.of("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()));
        return binary;
    }
}
