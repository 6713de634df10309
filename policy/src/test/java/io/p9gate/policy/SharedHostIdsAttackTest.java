package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.lint.LintFinding;
import io.p9gate.policy.lint.Linter;
import io.p9gate.policy.load.PolicyParser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two VMs share one host folder: alpha read-write, beta read-only, each with the id map the docs show
 * ({@code {guest: 0, host: 100000, count: 65536}}), copied for both. The gateway shows a VM the host owner mapped back
 * through its own map, so alpha's root (host 100000) is beta's root: alpha chmods a file 04755 and beta sees a
 * set-uid-root program, which any user of beta runs as root in beta (with different maps beta sees the overflow
 * id: {@code XattrOwnershipAcrossVmsAttackTest}). Nothing told the operator: {@code policy check} was clean and
 * {@code p9gate package} took the policy. Now lint reports it, so {@code --strict} and packaging refuse it.
 */
class SharedHostIdsAttackTest {
    @TempDir
    Path dir;

    private List<String> lint(String alphaIds, String alphaAccess, String betaIds, String betaPath) throws Exception {
        String policy = PolicyFiles.WITH_PROTECT + """
                  alpha:
                    listen: unix:/run/p9gate/alpha.sock
                    ids: %s
                    shares:
                      data: {path: /srv/p9gate/shared, access: %s}
                  beta:
                    listen: unix:/run/p9gate/beta.sock
                    ids: %s
                    shares:
                      data: {path: %s, access: read-only}
                """.formatted(alphaIds, alphaAccess, betaIds, betaPath);
        return Linter.lint(PolicyParser.parse(PolicyFiles.write(dir, "shared.yaml", policy))).stream()
                .map(LintFinding::toString)
                .filter(f -> !f.contains("does not exist"))
                .toList();
    }

    private static String map(long host) {
        return "{uid: {ranges: [{guest: 0, host: " + host + ", count: 65536}]}, gid: {ranges: [{guest: 0, host: " + host
                + ", count: 65536}]}}";
    }

    @Test
    void aWriterWhoseHostIdsAnotherVmMapsIsReported() throws Exception {
        List<String> f = lint(map(100000), "read-write", map(100000), "/srv/p9gate/shared");
        assertEquals(1, f.size(), f.toString());
        assertTrue(
                f.getFirst().contains("shared.yaml:15:")
                        && f.getFirst()
                                .contains("share 'data' of VM 'beta' (/srv/p9gate/shared) overlaps share 'data'"
                                        + " (/srv/p9gate/shared) where VM 'alpha' may write, and both VMs map host uid"
                                        + " 100000 (guest uid 0 of 'beta')"),
                f.getFirst());
    }

    @Test
    void partlySharedRangesAndSquashesAndNestedShareDirectoriesAreReported() throws Exception {
        assertEquals(
                1,
                lint(map(100000), "read-write", "{uid: {squash: 160000}}", "/srv/p9gate/shared/inbox")
                        .size(),
                "beta's squash id lies in alpha's range, beta's share inside alpha's");
        assertEquals(
                1,
                lint("{gid: {ranges: [{guest: 0, host: 100000, count: 10}]}}", "read-write", map(100005), "/srv/p9gate")
                        .size(),
                "gids only; alpha's share inside beta's");
    }

    @Test
    void ownHostIdsOrNoWriterOrNoOverlapAreClean() throws Exception {
        assertEquals(List.of(), lint(map(100000), "read-write", map(200000), "/srv/p9gate/shared"), "own host ids");
        assertEquals(List.of(), lint(map(100000), "read-only", map(100000), "/srv/p9gate/shared"), "nobody writes");
        assertEquals(List.of(), lint(map(100000), "read-write", map(100000), "/srv/p9gate/other"), "other folders");
        assertEquals(List.of(), lint("{}", "read-write", "{}", "/srv/p9gate/shared"), "overflow only");
    }
}
