package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.HostCredentials;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.LoggedLines;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.PolicyHolder.ReloadResult;
import io.p9gate.policy.quota.UsageScanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-6, R-POL-7): a guest closes a directory in its own quota scope to the gateway. Under a gateway run
 * by an unprivileged host user with {@code permissions: enforce}, a guest's {@code mkdir -m 0700} (owned by its
 * mapped host uid) is one the gateway's user cannot open; a directory it may list but not search ({@code 0400}) is
 * one whose entries it cannot look at. The quota scan failed on either: the gateway could not start, and (the scan
 * running before each reload's swap) every reload was refused, so the guest kept the operator from changing its
 * policy, revoking its own access included. Such a scope now counts as full (fail closed: EDQUOT), the start and the
 * reload go on, and one escaped warning says where and what to do; the scope's own top closed is the operator's to
 * fix and still refuses the reload.
 */
@Timeout(60)
class ReloadScanFailureAttackTest {
    /** An unprivileged host user: the thread that scans acts as it, as a gateway run by such a user does. */
    private static final int GATEWAY_USER = 1000;

    private static final int GUEST_HOST_UID = 101000;
    /** A name the guest chose: a newline and an escape sequence would forge a log line, drive a terminal. */
    private static final String CLOSED = "private\nWARNING: forged \u001b[2J";

    @TempDir
    Path tmp;

    private PolicyFixture fx;
    private PolicyHolder holder;
    private PolicyReloader reloader;

    @BeforeEach
    void policy() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        fx = new PolicyFixture(tmp);
        holder = fx.holder();
        reloader = new PolicyReloader(holder);
    }

    @Test
    void aGatewayStartsOverADirectoryItMayListButNotSearchWithTheScopeFull() throws Exception {
        Path unsearchable = Files.createDirectories(fx.data.resolve("cache/a/b"));
        Files.writeString(unsearchable.resolve("kept"), "x".repeat(100));
        Files.setPosixFilePermissions(unsearchable, PosixFilePermissions.fromString("r--r--r--"));

        try (LoggedLines log = new LoggedLines(PolicyQuotas.class.getName())) {
            SessionGuards guards = HostCredentials.actingAs(
                    GATEWAY_USER, GATEWAY_USER, () -> PolicyServe.guards(holder, reloader, OwnershipMode.XATTR));

            assertEquals(
                    UsageScanner.BEYOND_REACH, guards.quotas().use().getFirst().used(), "the scope counts full");
            assertEquals(Errno.EDQUOT, writeOneByteInCache(guards));
            List<String> warnings = log.startingWith("VM 'alpha'");
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(
                    warnings.getFirst().contains(unsearchable + ": permission denied (EACCES)"), warnings.toString());
        }
    }

    @Test
    void aReloadOverAGuestsClosedDirectoryIsTakenWithTheScopeFullUntilItOpens() throws Exception {
        SessionGuards guards = PolicyServe.guards(holder, reloader, OwnershipMode.XATTR);
        LifecycleRecords records = LifecycleRecords.of(reloader);
        String before = holder.current().digest();
        Path closed = Files.createDirectories(fx.data.resolve("cache").resolve(CLOSED));
        Files.writeString(closed.resolve("kept"), "x".repeat(900));
        closeToTheGatewayUser(closed);
        Files.writeString(fx.policyFile, fx.policy("", "512")); // a lower quota, under the usage there now

        ReloadResult taken;
        List<String> warnings;
        try (LoggedLines log = new LoggedLines(PolicyQuotas.class.getName())) {
            taken = reloadAsTheGatewayUser();
            warnings = log.startingWith("VM 'alpha'");
        }

        assertInstanceOf(ReloadResult.Loaded.class, taken, "taken: " + taken);
        String after = holder.current().digest();
        assertFalse(after.equals(before), "the new policy is in force");
        assertEquals(List.of(after), records.digests(), "and recorded");
        assertEquals(512, limitInForce(guards), "with its own quota books");
        assertEquals(UsageScanner.BEYOND_REACH, guards.quotas().use().getFirst().used(), "the scope counts full");
        assertEquals(Errno.EDQUOT, writeOneByteInCache(guards));
        assertEquals(1, warnings.size(), "one line: " + warnings);
        String line = warnings.getFirst();
        assertTrue(line.contains("quota vm.alpha.share.data.quotas[0] (share data, /cache) counts as full"), line);
        assertTrue(line.contains("private\\nWARNING: forged \\x1b[2J: permission denied (EACCES)"), line);
        assertFalse(line.contains("\n") || line.contains("\u001b"), "escaped: " + line);

        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (LoggedLines log = new LoggedLines(PolicyQuotas.class.getName())) {
            assertInstanceOf(ReloadResult.Loaded.class, reloadAsTheGatewayUser());
            assertEquals(List.of(), log.startingWith("VM 'alpha'"), "nothing left to warn about");
        }
        assertEquals(900, guards.quotas().use().getFirst().used().bytes(), "measured in full again");
    }

    @Test
    void aReloadOverAClosedScopeTopIsStillRefused() throws Exception {
        SessionGuards guards = PolicyServe.guards(holder, reloader, OwnershipMode.XATTR);
        LifecycleRecords records = LifecycleRecords.of(reloader);
        String before = holder.current().digest();
        closeToTheGatewayUser(fx.data.resolve("cache"));
        Files.writeString(fx.policyFile, fx.policy("", "512"));

        ReloadResult refused = reloadAsTheGatewayUser();

        ReloadResult.Kept kept = assertInstanceOf(ReloadResult.Kept.class, refused, "refused: " + refused);
        assertTrue(
                kept.reason()
                        .endsWith("VM 'alpha': cannot measure quota usage: quota vm.alpha.share.data.quotas[0]"
                                + " (share data, /cache): cache: permission denied"),
                kept.reason());
        assertEquals(before, holder.current().digest(), "the old policy stays in force");
        assertEquals(List.of(before), records.digests(), "the refusal is recorded, naming the policy kept");
        assertEquals(1024, limitInForce(guards), "with its own quota books");
    }

    private void closeToTheGatewayUser(Path dir) throws Exception {
        Files.setOwner(
                dir, tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("" + GUEST_HOST_UID));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    private ReloadResult reloadAsTheGatewayUser() throws Exception {
        try {
            return HostCredentials.actingAs(GATEWAY_USER, GATEWAY_USER, reloader::reload);
        } catch (RuntimeException e) {
            return new ReloadResult.Kept("none", "the reload threw " + e);
        }
    }

    /** The errno a guest's 1-byte write of a new file in alpha's /cache gets from the quota, or null if it fits. */
    private static Errno writeOneByteInCache(SessionGuards guards) {
        try {
            guards.quotas()
                    .of("alpha")
                    .scopes("data", "cache/new", null, false)
                    .reserve(1, 1)
                    .release();
            return null;
        } catch (P9Exception e) {
            return e.errno();
        }
    }

    private static long limitInForce(SessionGuards guards) {
        return guards.quotas().use().getFirst().spec().maxBytes();
    }
}
