package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 13: a syntax error in a hand-written {@code .cedar} file is reported at the token that is wrong, with
 * Cedar's reason and without the JNI wrapper's text (cedar-java's parse errors carry no position).
 */
class CedarSyntaxErrorsTest {

    @TempDir
    Path dir;

    private static final String GOOD = """
            // a good policy first, so the error is not simply at the top
            @id("ok")
            forbid (principal, action, resource in P9gate::Directory::"vm1/data:/x");

            """;

    private PolicyLoadException refused(String cedar) throws Exception {
        Path file = PolicyFiles.write(dir, "hand.cedar", cedar);
        Path p = PolicyFiles.write(
                dir, "p.yaml", "cedar: [hand.cedar]\n" + PolicyFiles.oneShare("path: /srv/p9gate/data"));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertEquals(file.toAbsolutePath().normalize(), e.pos().file(), e.getMessage());
        assertFalse(e.reason().contains("JNI") || e.reason().contains("Internal"), e.reason());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }

    /** A mistake on the lines after {@link #GOOD} (line 5 on), where it must be reported, and what the reason says. */
    record Mistake(String what, String cedar, int line, int column, String why) {
        @Override
        public String toString() {
            return what;
        }
    }

    static List<Mistake> mistakes() {
        return List.of(
                new Mistake(
                        "an unexpected token, where it stands",
                        "permit (principal, action, resource)\nwhen { context.uid == 0 && };\n",
                        6,
                        28,
                        "unexpected token `}`"),
                new Mistake(
                        "a missing comma, at the token after it",
                        "permit (principal, action resource);\n",
                        5,
                        27,
                        "unexpected token `resource`"),
                new Mistake(
                        "an unterminated string, at its quote",
                        "permit (principal, action, resource)\n  when { resource.s0 == \"abc };\n",
                        6,
                        25,
                        "string is not terminated"),
                new Mistake(
                        "a policy without its ';', where it starts",
                        "// last\n@id(\"open\")\npermit (principal, action, resource)\n",
                        6,
                        1,
                        "unexpected end of input"),
                new Mistake(
                        "an error found on the whole policy, at what it names",
                        "permit (principal, action, resource)\n  when { context.uid == 0 || x.y };\n",
                        6,
                        30,
                        "invalid member access `x.y`"),
                new Mistake(
                        "a character Cedar does not know, at it",
                        "permit (principal, action, resource)\n  when { # };\n",
                        6,
                        10,
                        "invalid token `#`"),
                new Mistake(
                        "a scope without an entity uid, at the name",
                        "permit (principal == Vm, action, resource);\n",
                        5,
                        22,
                        "found name `Vm`"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void isReportedAtItsToken(Mistake m) throws Exception {
        PolicyLoadException e = refused(GOOD + m.cedar());
        assertEquals(m.line() + ":" + m.column(), e.pos().line() + ":" + e.pos().column(), e.getMessage());
        assertTrue(e.reason().startsWith("Cedar syntax: ") && e.reason().contains(m.why()), e.reason());
    }
}
