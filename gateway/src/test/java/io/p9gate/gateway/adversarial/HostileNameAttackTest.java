package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.cli.AuditCommand;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 7 (second half): file names a guest chooses reach {@code audit show} and
 * {@code audit export --format rfc5424}. A name holding a newline must not forge a table row or split a syslog
 * message, and terminal escape sequences (ANSI CSI, C1 CSI, bidi overrides) must not reach the reviewer's
 * terminal: every record is exactly one escaped line.
 */
class HostileNameAttackTest {
    /** A newline followed by a complete fake row, then colour, clear-screen, C1 CSI, DEL and a bidi override. */
    private static final List<String> NAMES = List.of(
            "report\n77777777 2026-01-01T00:00:00.000000Z beta       9     lopen          allow    0      -    \\x2fok",
            "x\u001b[31mred\u001b[2J\u001b]0;title\u0007",
            "c1\u009b2J\u0085nel\u007fdel",
            "invoice\u202egnp.exe");

    @TempDir
    Path tmp;

    @Test
    void everyRecordStaysOneEscapedLineInShowAndSyslogExport() throws Exception {
        Path log;
        int fid = 10;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            log = rig.logs.dir;
            for (String name : NAMES) {
                alpha.walk(0, fid);
                alpha.lcreate(fid, name, 1, 0644, 0); // allowed: intent record with the name
                alpha.clunk(fid);
                alpha.walk(0, fid, name); // walk records name it again
                alpha.clunk(fid);
                assertThrows(P9Exception.class, () -> alpha.walk(0, 99, "secret", name)); // hidden: a denial
                fid++;
            }
        }
        for (String name : NAMES) {
            assertTrue(Files.exists(tmp.resolve("shares/data").resolve(name)), "the attack really ran");
        }
        long records = Files.list(log)
                .filter(p -> p.getFileName().toString().startsWith("segment-"))
                .mapToLong(HostileNameAttackTest::lineCount)
                .sum();

        String table = audit("show", "--log", log.toString());
        assertPrintable(table);
        assertEquals(records + 1, table.lines().count(), "a header and one row per record:\n" + table);
        assertTrue(table.contains("/report\\n77777777"), table);
        assertTrue(table.contains("x\\x1b[31mred\\x1b[2J\\x1b]0;title\\x07"), table);

        String syslog = audit("export", "--log", log.toString(), "--format", "rfc5424");
        assertPrintable(syslog);
        assertEquals(records, syslog.lines().count(), "one syslog message per record");
        assertTrue(syslog.lines().allMatch(l -> l.startsWith("<")), "every line starts a message");
    }

    /** Markup, controls, a bidi override, a formula, characters beyond the BMP and noncharacters. */
    private static final String HOSTILE =
            "x\n<script>alert(1)</script>\u001b[2J\u009b1m\u202e\",=cmd|' /C calc'!A0\uD83D\uDE00\uFFFF\uDBFF\uDFFF";

    /**
     * Besides file names, a guest chooses an attach name (an unknown share's aname lands in the record's share),
     * xattr names, symlink targets and rename targets. Every tool that reads the log ({@code show} as table and
     * JSON, {@code stats} as text and JSON, {@code report --html}, {@code export} as syslog and JSON lines,
     * {@code verify} as text and JSON) shows them escaped, forging no line or markup, and the genuine log verifies.
     */
    @Test
    void everyToolShowsGuestChosenFieldsEscaped() throws Exception {
        Path log;
        Path pub;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            log = rig.logs.dir;
            pub = rig.logs.publicKey;
            try (P9Client stranger = P9Client.open(UnixDomainSocketAddress.of(rig.policy.alphaSocket), 65536)) {
                assertThrows(P9Exception.class, () -> stranger.attach(0, HOSTILE, HOSTILE, 0), "no such share");
            }
            alpha.walk(0, 1);
            alpha.symlink(1, "link", HOSTILE, 0);
            alpha.walk(0, 2, "notes.txt");
            assertThrows(
                    P9Exception.class, () -> alpha.rpc(new TMessage.Txattrwalk(2, 3, "user." + HOSTILE)), "no xattr");
            alpha.rpc(new TMessage.Txattrcreate(2, "user." + HOSTILE, 1, 0));
            alpha.write(2, 0, new byte[] {'v'});
            alpha.clunk(2);
            alpha.renameat(0, "link", 0, "l" + HOSTILE.replace("/", "_"));
            assertThrows(P9Exception.class, () -> alpha.walk(0, 4, "secret", HOSTILE.replace("/", "_")), "hidden");
        }
        assertTrue(Files.isSymbolicLink(tmp.resolve("shares/data").resolve("l" + HOSTILE.replace("/", "_"))));

        String table = audit("show", "--log", log.toString());
        assertPrintable(table);
        assertTrue(table.contains("x\\n<script>"), table);
        assertPrintable(audit("show", "--log", log.toString(), "--format", "json"));
        assertPrintable(audit("stats", "--log", log.toString()));
        assertPrintable(audit("stats", "--log", log.toString(), "--format", "json"));
        assertPrintable(audit("export", "--log", log.toString(), "--format", "rfc5424"));
        assertPrintable(audit("export", "--log", log.toString(), "--format", "jsonl"));
        assertPrintable(audit("verify", "--log", log.toString(), "--key", pub.toString()));
        assertPrintable(audit("verify", "--log", log.toString(), "--key", pub.toString(), "--json"));
        Path page = tmp.resolve("report.html");
        audit("report", "--log", log.toString(), "--key", pub.toString(), "--html", page.toString());
        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertFalse(html.contains("<script>alert"), "no markup from the log");
        assertPrintable(html);
    }

    private static long lineCount(Path segment) {
        try {
            return Files.readAllLines(segment).size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String audit(String... args) {
        StringWriter out = new StringWriter();
        var cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        assertEquals(0, cl.execute(args), out::toString);
        return out.toString();
    }

    /** Nothing below 0x20 but the line ends, no DEL, no C1 control, no bidi control. */
    private static void assertPrintable(String output) {
        for (String line : output.split("\n", -1)) {
            for (char c : line.toCharArray()) {
                boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e);
                assertTrue(!control, () -> "raw U+" + Integer.toHexString(c) + " reaches the reviewer in: " + line);
            }
        }
    }
}
