package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.Outcome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A path past 4,095 bytes is recorded abbreviated (docs/audit-format.md): the review commands read, select and
 * print such a record like any other, and what they print says the path was abbreviated.
 */
class AbbreviatedPathReviewTest {
    /** 12,007 bytes, below /deep. */
    private static final String DEEP = "/deep" + "/d".repeat(6000) + "/f";

    @TempDir
    Path tmp;

    ReviewedLog reviewed;

    @BeforeEach
    void writeLog() throws Exception {
        reviewed = ReviewedLog.in(tmp);
        reviewed.writeDecision("getattr", DEEP, Outcome.DENY, List.of("hidden"), 2, "action=getattr share=data");
    }

    private CliRun audit(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--log";
        all[args.length + 1] = reviewed.log().toString();
        return CliRun.audit(all);
    }

    @Test
    void showSaysThePathWasAbbreviatedAndItsPrefixSelectsIt() {
        CliRun shown = audit("show", "--op", "getattr");
        assertEquals(0, shown.exit(), shown.err());
        assertEquals(2, shown.out().lines().count(), shown.out());
        assertTrue(shown.out().contains("/deep/d/d/d/d/"), shown.out());
        assertTrue(shown.out().contains("/d//[abbreviated: 12007 bytes, sha256 "), shown.out());
        assertTrue(shown.out().length() < 2048, shown.out().length() + " characters");

        CliRun selected = audit("show", "--path", "/deep/**");
        assertEquals(0, selected.exit(), selected.err());
        assertEquals(2, selected.out().lines().count(), selected.out());
        CliRun other = audit("show", "--path", "/other/**");
        assertEquals(1, other.out().lines().count(), other.out());
    }

    @Test
    void verifyStatsAndExportReadIt() {
        CliRun verified = CliRun.audit(
                "verify",
                "--log",
                reviewed.log().toString(),
                "--key",
                reviewed.pub().toString());
        assertEquals(0, verified.exit(), verified.out() + verified.err());
        CliRun stats = audit("stats", "--format", "json");
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().contains("[abbreviated: 12007 bytes"), stats.out());
        CliRun syslog = audit("export", "--format", "rfc5424");
        assertEquals(0, syslog.exit(), syslog.err());
        assertTrue(syslog.out().contains("path=\"/deep/d/d"), syslog.out());
        assertTrue(syslog.out().contains("[abbreviated: 12007 bytes"), syslog.out());
    }
}
