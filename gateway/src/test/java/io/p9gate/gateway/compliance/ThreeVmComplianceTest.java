package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite against a served gateway with three VMs, each with a read-only and a hidden subtree, a deny rule and a
 * quota in a share of its own: no FAIL; every VM's check is named after the VM (and its share, for a share's); each VM
 * refuses the other two's shares claimed by uname; and nothing of the suite's is left in any share afterwards.
 */
class ThreeVmComplianceTest {
    private static final List<String> VMS = List.of("vm1", "vm2", "vm3");

    @TempDir
    Path tmp;

    @Test
    void threeVmsPassWithEveryCheckNamingItsVmAndNothingLeft() throws Exception {
        Path policy = policy(tmp);
        long began = System.nanoTime();
        SuiteRun run = SuiteRun.served(policy, tmp);
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        List<String> checks = new ArrayList<>();
        checks.addAll(run.lines("pass"));
        checks.addAll(run.lines("FAIL"));
        checks.addAll(run.lines("skip"));
        System.out.println(
                "three VMs: " + checks.size() + " checks in " + took.toMillis() + " ms (gateway start" + " included); "
                        + run.out()
                                .lines()
                                .filter(l -> l.startsWith("p9gate compliance: "))
                                .toList());
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        for (String vm : VMS) {
            assertTrue(
                    checks.stream().anyMatch(l -> l.contains(" " + vm + "/" + vm + "-data/read-only[0]/")),
                    run::describe);
            for (String other : VMS) {
                if (!other.equals(vm)) {
                    assertTrue(
                            run.out()
                                    .contains("pass R-DEP-1   " + vm + "/attach-refused/" + other + "-data/uname-"
                                            + other),
                            run::describe);
                }
            }
        }
        for (String vm : VMS) {
            try (Stream<Path> all = Files.walk(tmp.resolve(vm))) {
                assertEquals(
                        List.of(),
                        all.filter(p -> p.getFileName().toString().startsWith("p9gate-compliance"))
                                .toList(),
                        "left in " + vm + "'s share");
            }
        }
    }

    private static Path policy(Path dir) throws Exception {
        StringBuilder yaml = new StringBuilder("image: three-vms\nvms:\n");
        for (int i = 0; i < VMS.size(); i++) {
            String vm = VMS.get(i);
            int host = 200000 + 100000 * i;
            Path data = Files.createDirectories(dir.resolve(vm).resolve("data"));
            Files.writeString(Files.createDirectories(data.resolve("ro/d")).resolve("f"), "read-only");
            Files.writeString(Files.createDirectories(data.resolve("secret")).resolve("s"), "hidden");
            Files.writeString(Files.createDirectories(data.resolve("cache")).resolve("run.sh"), "#!/bin/sh");
            Files.createDirectories(data.resolve("q"));
            try (Stream<Path> all = Files.walk(data)) {
                for (Path p : all.toList()) {
                    Files.setAttribute(p, "unix:uid", host);
                    Files.setAttribute(p, "unix:gid", host);
                }
            }
            yaml.append("""
                      %1$s:
                        listen: unix:%2$s
                        ids:
                          uid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                          gid: {ranges: [{guest: 0, host: %3$d, count: 65536}]}
                        shares:
                          %1$s-data:
                            path: %4$s
                            access: read-write
                            %5$s
                    """.formatted(
                            vm,
                            dir.resolve(vm + ".sock"),
                            host,
                            data,
                            ComplianceMutantsTest.DATA_RULES.indent(8).strip()));
        }
        return Files.writeString(dir.resolve("policy.yaml"), yaml.toString());
    }
}
