package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.policyadapter.PolicyFixture;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two guest users (uid 1000 and 1001) on PolicyFixture's VM alpha, whose ids the host sees shifted by 100000, with
 * the mount's access=client (9P2000.L's default) and access=user (9P2000.u's): each user's files are owned by its
 * mapped host ids and shown to the guest as its own (under .u the group is the directory's, a .u Tcreate naming none:
 * users/, made by guest root in a share root of host group 0, which alpha's map does not map, has guest nobody's
 * 65534); the other user is refused reading, writing, creating in a 0755
 * directory, unlinking in a sticky one, chmod and chown (gateway/src/test/guest/guest-users.sh; the guest kernel checks
 * these: the fixture has no "permissions: enforce").
 */
class GuestUsersIT {
    private static final int SHIFT = 100_000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"9p2000.L, client", "9p2000.L, user", "9p2000.u, user"})
    void eachGuestUserOwnsItsFilesAsItsMappedHostIds(String dialect, String access) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        PolicyFixture fx = alpha.fixture();
        GuestResult result = alpha.run(
                harness,
                "p9gate-users-" + dialect + "-" + access,
                GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "guest-users.sh"))
                        .withDialect(dialect)
                        .withMountOpts("access=" + access)
                        .withBin(Path.of("/usr/bin/setpriv"))
                        .withTimeout(Duration.ofSeconds(90)));
        Map<String, String> want = new LinkedHashMap<>();
        want.put("access", access);
        want.put("create-1000", "OK");
        want.put("create-1001", "OK");
        // A .u Tcreate names no group: the directory's (docs/protocol.md), here guest nobody's (see above).
        boolean legacy = dialect.equals("9p2000.u");
        int[] gids = legacy ? new int[] {65534, 65534} : new int[] {1000, 1001};
        want.put(
                "owners",
                "users/f1000:1000:%1$d:600 users/f1001:1001:%2$d:600 users/d1000:1000:%1$d:755 users/d1001:1001:%2$d:755"
                        .formatted(gids[0], gids[1]));
        want.put("own-read", "mine-1000");
        for (String refused : new String[] {"read", "write", "create-in-dir"}) {
            want.put("other-" + refused, "1:EACCES");
        }
        want.put("other-unlink-sticky", "1:EPERM");
        want.put("other-chmod", "1:EPERM");
        want.put("other-chown", "1:EPERM");
        want.put("root-read", "mine-1000");
        want.put("after", "users/f1000:1000:600:10");
        Map<String, String> seen = result.marks();
        assertTrue(seen.containsKey("done"), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);
        ExpectedMarks.assertMarks(want, seen, result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        for (int i = 0; i < 2; i++) {
            int uid = 1000 + i;
            for (String name : new String[] {"users/f" + uid, "users/d" + uid}) {
                Path file = fx.data.resolve(name);
                assertEquals(SHIFT + uid, Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS), name);
                assertEquals(SHIFT + gids[i], Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS), name);
            }
        }
        assertEquals("mine-1000\n", Files.readString(fx.data.resolve("users/f1000")));
    }
}
