package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.cli.AuditCommand;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1, two VMs in one log): VM alpha makes a tree {@value #LEVELS} levels deep (past PATH_MAX, so its
 * records hold abbreviated paths) of 255-byte names that each begin with a newline and a complete forged table row
 * of VM beta, carry a bidi override and end in multi-byte characters, and works at its bottom, while VM beta's
 * requests interleave with alpha's in the same log. {@code audit verify} must verify, and {@code audit show} must show
 * one row per record, each under the VM that made it: as many beta rows as beta's records, {@code --vm beta} none of
 * alpha's.
 */
class DeepHostileNameAttributionAttackTest {
    private static final int LEVELS = 20;
    /** A forged row of beta after a newline, a bidi override, then 'é' up to 255 bytes: one name, no '/'. */
    private static final String LEVEL = level();

    @TempDir
    Path tmp;

    private Path share;

    /** Java's file API cannot delete a tree deeper than PATH_MAX. */
    @AfterEach
    void removeTheDeepTree() throws Exception {
        if (share != null) {
            Process rm = new ProcessBuilder("rm", "-rf", share.toString())
                    .inheritIO()
                    .start();
            assertEquals(0, rm.waitFor());
        }
    }

    private static String level() {
        StringBuilder name = new StringBuilder(
                        "\n99999999 2026-01-01T00:00:00.000000Z beta       1     getattr  allow 0 ")
                .append('\u202e');
        while (name.toString().getBytes(StandardCharsets.UTF_8).length + 2 <= 255) {
            name.append('é');
        }
        return name.toString();
    }

    @Test
    void everyRecordIsShownOnceUnderItsOwnVm() throws Exception {
        assertEquals(255, LEVEL.getBytes(StandardCharsets.UTF_8).length, "the longest name a host takes");
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        share = rig.policy.data;
        try (rig;
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            alpha.walk(0, 1);
            for (int i = 0; i < LEVELS; i++) {
                alpha.mkdir(1, LEVEL, 0755, 0);
                alpha.walk(1, 1, LEVEL);
                alpha.getattr(1, 0x7ff);
                beta.getattr(0, 0x7ff);
            }
            alpha.lcreate(1, LEVEL, 2, 0644, 0);
            alpha.write(1, 0, "bottom".getBytes(StandardCharsets.UTF_8));
            beta.walk(0, 1, "readme");
            beta.getattr(1, 0x7ff);
        }

        List<AuditRecord> records = rig.logs.records();
        Map<String, Long> byVm = records.stream()
                .filter(r -> r.vm() != null)
                .collect(Collectors.groupingBy(AuditRecord::vm, TreeMap::new, Collectors.counting()));
        assertTrue(byVm.getOrDefault("alpha", 0L) >= 3L * LEVELS, "alpha's records: " + byVm);
        assertTrue(byVm.getOrDefault("beta", 0L) >= LEVELS, "beta's records: " + byVm);

        var verified = rig.logs.verify();
        assertEquals(0, verified.exit(), verified.output());

        String log = rig.logs.dir.toString();
        List<String> rows = audit("show", "--log", log).lines().skip(1).toList(); // after the header
        assertEquals(records.size(), rows.size(), "one row per record");
        Map<String, Long> shownByVm = rows.stream()
                .map(row -> row.trim().split("\\s+")[2])
                .filter(byVm::containsKey)
                .collect(Collectors.groupingBy(vm -> vm, TreeMap::new, Collectors.counting()));
        assertEquals(byVm, shownByVm, "each VM's records shown under it");

        List<String> betaRows =
                audit("show", "--log", log, "--vm", "beta").lines().skip(1).toList();
        assertEquals(byVm.get("beta").longValue(), betaRows.size(), "--vm beta shows beta's records");
        assertTrue(
                betaRows.stream().allMatch(row -> row.trim().split("\\s+")[2].equals("beta")),
                "--vm beta shows beta's records only:\n" + String.join("\n", betaRows));
        List<String> alphaRows =
                audit("show", "--log", log, "--vm", "alpha").lines().skip(1).toList();
        assertEquals(byVm.get("alpha").longValue(), alphaRows.size(), "--vm alpha shows alpha's records");
    }

    private static String audit(String... args) {
        StringWriter out = new StringWriter();
        var cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        assertEquals(0, cl.execute(args), out::toString);
        return out.toString();
    }
}
