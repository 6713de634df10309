package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit show} renders every record field docs/audit-format.md documents, under its documented name. Before,
 * the table had no column for boot, tag, the guest and host ids, policy, bytes or prev, showed a decision's path but
 * never its detail (a rename's {@code to=}), and named others its own way (SESS); only {@code --format json} (the
 * stored lines) had them all.
 */
class ShowFieldsTest {
    @TempDir
    static Path tmp;

    static ReviewedLog reviewed;

    @BeforeAll
    static void writeLog() throws Exception {
        reviewed = ReviewedLog.withDecisions(tmp, 3);
    }

    /** The field names of the table under "## Records", in the documented order. */
    static List<String> documentedFields() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "audit-format.md"));
        String records = doc.substring(doc.indexOf("\n## Records\n"));
        records = records.substring(0, records.indexOf("\nExample"));
        List<String> names = new ArrayList<>();
        for (String row : records.lines().filter(l -> l.startsWith("| `")).toList()) {
            Matcher m = Pattern.compile("`([a-z_]+)`").matcher(row.substring(0, row.indexOf(" |", 2)));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        assertTrue(names.size() >= 20, "the doc's table was read: " + names);
        return names;
    }

    @Test
    void everyDocumentedFieldIsShownByItsNameInTheDocumentedOrder() throws Exception {
        List<String> fields = documentedFields();
        CliRun run = CliRun.audit("show", "--log", reviewed.log().toString(), "--format", "fields");
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().lines().filter(l -> l.startsWith("seq=")).toList();
        assertFalse(lines.isEmpty(), run.out());
        String decision = lines.stream()
                .filter(l -> l.contains(" type=decision "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no decision: " + run.out()));
        for (String line : List.of(lines.getFirst(), decision)) {
            List<String> shown = new ArrayList<>();
            Matcher m = Pattern.compile("(?:^| )([a-z_]+)=").matcher(line);
            while (m.find()) {
                shown.add(m.group(1));
            }
            // A quoted detail holds its own name=value words: only the record's fields, in order, are compared.
            assertEquals(
                    fields, shown.stream().filter(fields::contains).distinct().toList(), line);
        }
        assertTrue(decision.matches(".*\\bdetail=(\"[^\"]*\"|\\S+) prev=[0-9a-f]{64}$"), decision);
    }

    @Test
    void aValueWithSpacesOrQuotesStaysOneField() {
        assertEquals(
                "detail=\"action=walk share=data name=a\\\"b\"",
                RecordFields.field("detail", "action=walk share=data name=a\"b"));
        assertEquals("path=/a", RecordFields.field("path", "/a"));
        assertEquals("rules=\"\"", RecordFields.field("rules", ""));
        assertEquals("bytes=null", RecordFields.field("bytes", null));
        assertEquals("path=/a\\nseq=9", RecordFields.field("path", "/a\nseq=9"));
    }

    /**
     * A guest names a file with a space other than ASCII's (no-break, em, ideographic: kept as printable): unquoted,
     * {@code path=/d/a<NBSP>decision=allow} read by eye as a path and a forged field ahead of the record's own. And a
     * value that is the text "null" read as an absent one.
     */
    @Test
    void aValueWithAnySpaceOrReadingAsAbsentIsQuoted() {
        for (String space : List.of("\u00a0", "\u2003", "\u3000", "\u1680")) {
            String forged = "/d/a" + space + "decision=allow";
            assertEquals("path=\"" + forged + "\"", RecordFields.field("path", forged), "U+" + (int) space.charAt(0));
        }
        assertEquals("detail=\"null\"", RecordFields.field("detail", "null"));
        assertEquals("detail=null", RecordFields.field("detail", null));
    }

    /**
     * Characters that are no space to Unicode but print as one (a Braille blank, the Hangul fillers), or may (an
     * unassigned or private-use code point, shown as the terminal's font has it), are kept by PrintableText: left
     * unquoted, a guest's a<U+2800>decision=allow read by eye as a forged field, as a no-break space did.
     */
    @Test
    void aValueWithACharacterThatMayPrintBlankIsQuoted() {
        for (String blank : List.of("\u2800", "\u3164", "\uffa0", "\u115f", "\u0378", "\ue000")) {
            String forged = "/d/a" + blank + "decision=allow";
            assertEquals(
                    "path=\"" + forged + "\"",
                    RecordFields.field("path", forged),
                    "U+" + Integer.toHexString(blank.charAt(0)));
        }
        assertEquals("path=/d/plain-ascii_1.txt", RecordFields.field("path", "/d/plain-ascii_1.txt"));
    }
}
