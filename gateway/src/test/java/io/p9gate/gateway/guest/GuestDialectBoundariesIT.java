package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The policy's borders through each dialect (dialect-boundaries.sh, PolicyFixture's alpha): a hard link or rename
 * out of or into the read-only /base is EROFS, into the hidden /secret ENOENT, a symlink to a hidden file reads
 * ENOENT, a write past /cache's quota EDQUOT, in 9P2000.u as in 9P2000.L (its links are Tcreate DMLINK, decided as
 * Tlink); 9P2000 has no links or symlinks at all (EPERM from the client). A legacy rename moves within its directory
 * only (the client says EXDEV to another), so busybox mv copies and then removes: out of /base the copy is made and
 * the removal refused (EROFS, the copy "moved" stays beside the intact original), into /base or /secret the copy is
 * refused. The signed log verifies after each.
 */
class GuestDialectBoundariesIT {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"9p2000.L", "9p2000.u", "9p2000"})
    void bordersHoldInEachDialect(String dialect) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "dialect-boundaries.sh"))
                .withDialect(dialect)
                .withTimeout(Duration.ofSeconds(120));
        GuestResult result = alpha.run(harness, "p9gate-boundaries-" + dialect, run);
        assertEquals(0, result.exitCode(), result::describe);
        ExpectedMarks.assertMarks(expected(dialect), result.marks(), result::describe);
        assertEquals("tiles", Files.readString(alpha.fixture().data.resolve("base/map.db")));
        assertEquals(
                List.of("key"),
                List.of(alpha.fixture().data.resolve("secret").toFile().list()));
        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    private static Map<String, String> expected(String dialect) {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("ln-out-of-ro", "EROFS");
        want.put("mv-out-of-ro", "EROFS");
        want.put("ln-into-ro", "EROFS");
        want.put("mv-into-ro", "EROFS");
        want.put("ln-into-hidden", "ENOENT");
        want.put("mv-into-hidden", "ENOENT");
        want.put("cat-hidden", "ENOENT");
        want.put("ls-hidden", "ENOENT");
        want.put("ln-s-hidden", "OK");
        want.put("cat-via-symlink", "ENOENT");
        want.put("ln-s-ro", "EROFS");
        want.put("dd-quota", "EDQUOT");
        want.put("quota-size", "within");
        want.put("base-intact", "tiles map.db");
        want.put("root", ". .. base cache notes.txt sk t");
        want.put("done", "1");
        if (!dialect.equals("9p2000.L")) {
            want.put("root", ". .. base cache moved notes.txt sk t"); // mv's copy after EXDEV, its removal refused
        }
        if (dialect.equals("9p2000")) {
            for (String link : List.of("ln-out-of-ro", "ln-into-ro", "ln-s-hidden", "ln-s-ro")) {
                want.put(link, "EPERM");
            }
            want.put("root", ". .. base cache moved notes.txt t");
        }
        return want;
    }
}
