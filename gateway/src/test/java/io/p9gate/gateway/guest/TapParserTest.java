package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TapParserTest {

    @Test
    void parsesPassedFailedAndSkippedChecksAndIgnoresOtherLines() {
        String output = """
                # posix.sh on: h9 /mnt 9p rw
                ok 1 - create, write, read
                #   0.04s
                not ok 2 - fcntl byte-range locks: non-overlapping F_SETLK: Resource temporarily unavailable
                ok 3 - flock # SKIP flock not added (--add-bin /usr/bin/flock)
                run-guest: script exit 1, wall 30.3s
                not ok 4 - no details
                """;
        assertEquals(
                List.of(
                        new TapCheck(1, "create, write, read", TapCheck.Status.PASSED, ""),
                        new TapCheck(
                                2,
                                "fcntl byte-range locks",
                                TapCheck.Status.FAILED,
                                "non-overlapping F_SETLK: Resource temporarily unavailable"),
                        new TapCheck(3, "flock", TapCheck.Status.SKIPPED, "flock not added (--add-bin /usr/bin/flock)"),
                        new TapCheck(4, "no details", TapCheck.Status.FAILED, "")),
                TapParser.parse(output));
    }

    @Test
    void toleratesCarriageReturnsFromTheSerialConsole() {
        assertEquals(List.of(new TapCheck(7, "x", TapCheck.Status.PASSED, "")), TapParser.parse("ok 7 - x\r\n"));
    }

    @Test
    void resultListsFailuresAndSkipsAndKeepsTheTail() {
        GuestResult result = new GuestResult(
                1, "a\nnot ok 1 - y: z\nok 2 - w # SKIP v\n", TapParser.parse("not ok 1 - y: z\nok 2 - w # SKIP v\n"));
        assertEquals(List.of(new TapCheck(1, "y", TapCheck.Status.FAILED, "z")), result.failed());
        assertEquals(1, result.skipped().size());
        assertEquals(true, result.describe().contains("not ok 1 - y: z"));
    }
}
