package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.HostCredentials;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.PolicyHolder.ReloadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7, R-AUD-1): a reload that fails halfway. The quota rescan ran after the new engine was swapped
 * in, as a listener of the reload; when it failed (a directory the gateway's user cannot read: a guest's {@code 0700}
 * directory under a gateway that runs as an unprivileged user with {@code permissions: enforce}, or one the operator
 * closed) its exception skipped every later listener. The new policy then served with the old policy's quota books
 * (a quota it lowered was not enforced), with no {@code policy_reload} record in the audit log for the digest its
 * decisions carried, and no outcome for {@code policy reload} (which timed out). A reload must be all or nothing.
 */
@Timeout(60)
class ReloadScanFailureAttackTest {
    /** An unprivileged host user: the thread that reloads acts as it, as a gateway run by such a user does. */
    private static final int GATEWAY_USER = 1000;

    private static final int GUEST_HOST_UID = 101000;

    @TempDir
    Path tmp;

    @Test
    void aReloadWhoseQuotaScanFailsKeepsTheOldPolicyWholeAndSaysSo() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        SessionGuards guards = PolicyServe.guards(holder, reloader, OwnershipMode.XATTR);
        LifecycleRecords records = LifecycleRecords.of(reloader);
        String before = holder.current().digest();

        Path closed = Files.createDirectories(fx.data.resolve("cache/private"));
        Files.writeString(closed.resolve("kept"), "x".repeat(900));
        Files.setOwner(
                closed, tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("" + GUEST_HOST_UID));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(fx.policyFile, fx.policy("", "512")); // a lower quota, under the usage there now

        ReloadResult refused = reloadAsTheGatewayUser(reloader);

        ReloadResult.Kept kept = assertInstanceOf(ReloadResult.Kept.class, refused, "refused: " + refused);
        assertTrue(kept.reason().contains("VM 'alpha': cannot measure quota usage"), kept.reason());
        assertEquals(before, holder.current().digest(), "the old policy stays in force");
        assertEquals(List.of(before), records.digests(), "the refusal is recorded, naming the policy kept");
        assertEquals(1024, limitInForce(guards), "with its own quota books");

        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwxr-xr-x"));
        ReloadResult taken = reloadAsTheGatewayUser(reloader);

        assertInstanceOf(ReloadResult.Loaded.class, taken);
        assertEquals(List.of(before, holder.current().digest()), records.digests());
        assertEquals(512, limitInForce(guards), "the new limit, with the new policy");
        assertEquals(900, guards.quotas().use().getFirst().used().bytes(), "measured in full");
    }

    private static ReloadResult reloadAsTheGatewayUser(PolicyReloader reloader) throws Exception {
        try {
            return HostCredentials.actingAs(GATEWAY_USER, GATEWAY_USER, reloader::reload);
        } catch (RuntimeException e) {
            return new ReloadResult.Kept("none", "the reload threw " + e);
        }
    }

    private static long limitInForce(SessionGuards guards) {
        return guards.quotas().use().getFirst().spec().maxBytes();
    }
}
