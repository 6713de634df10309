package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --share NAME=DIR} took any NAME ('da ta', 'a/b', one with a newline, which went into every record
 * and log line of the share) where a policy refuses all but [A-Za-z0-9][A-Za-z0-9_-]{0,63}: a name tried with
 * --share then failed once written into the policy. Both now take the same names.
 */
class ShareOptionNameTest {
    @TempDir
    Path dir;

    @Test
    void aNameThePolicyRefusesIsRefusedHereToo() {
        for (String name : List.of("da ta", "a/b", "a\nb", "-a", "x".repeat(65))) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> ShareOption.parse(List.of(name + "=" + dir)), name);
            assertEquals(
                    "--share name '" + name.replace("\n", "\\n") + "' must match [A-Za-z0-9][A-Za-z0-9_-]{0,63}",
                    e.getMessage());
        }
        assertEquals(dir, ShareOption.parse(List.of("data_1-x=" + dir)).get("data_1-x"));
    }
}
