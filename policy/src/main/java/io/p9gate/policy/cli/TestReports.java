package io.p9gate.policy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.cli.TerminalJson;
import io.p9gate.audit.read.PrintableText;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The outcomes of a policy test run as text, JUnit XML (for CI systems) or JSON (for tools): {@code --format}. */
enum TestReports {
    TEXT,
    JUNIT,
    JSON;

    /** Case names and paths are the test file's: every character outside printable ASCII as a JSON escape. */
    private static final ObjectMapper MAPPER = TerminalJson.mapper();

    /** @throws IllegalArgumentException for a name that is none of text, junit, json */
    static TestReports parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format must be text, junit or json, not '" + name + "'");
        }
    }

    String render(Path file, List<TestOutcome> outcomes, boolean verbose) {
        return switch (this) {
            case TEXT -> text(file, outcomes, verbose);
            case JUNIT -> junit(file, outcomes);
            case JSON -> json(file, outcomes);
        };
    }

    static long count(List<TestOutcome> outcomes, TestOutcome.Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }

    private static String text(Path file, List<TestOutcome> outcomes, boolean verbose) {
        StringBuilder b = new StringBuilder();
        for (TestOutcome o : outcomes) {
            if (verbose || o.status() != TestOutcome.Status.PASSED)
                b.append(o.line()).append('\n');
        }
        long errors = count(outcomes, TestOutcome.Status.ERROR);
        b.append(String.format(
                "%s: %d cases, %d passed, %d failed%s%n",
                file,
                outcomes.size(),
                count(outcomes, TestOutcome.Status.PASSED),
                count(outcomes, TestOutcome.Status.FAILED),
                errors == 0 ? "" : ", " + errors + " errors"));
        // Case names, paths and what the policy file says are quoted as written: escaped for the terminal.
        return PrintableText.escapeLines(b.toString());
    }

    private static String junit(Path file, List<TestOutcome> outcomes) {
        return XmlText.of(xml -> {
            xml.writeStartElement("testsuite");
            xml.writeAttribute("name", XmlText.text("policy test " + file));
            xml.writeAttribute("tests", Integer.toString(outcomes.size()));
            xml.writeAttribute("failures", Long.toString(count(outcomes, TestOutcome.Status.FAILED)));
            xml.writeAttribute("errors", Long.toString(count(outcomes, TestOutcome.Status.ERROR)));
            xml.writeAttribute("skipped", "0");
            xml.writeCharacters("\n");
            for (TestOutcome o : outcomes) {
                xml.writeStartElement("testcase");
                xml.writeAttribute("classname", XmlText.text("policy." + o.kind() + "." + o.vm()));
                xml.writeAttribute("name", XmlText.text(o.name() + " (" + o.pos() + ")"));
                switch (o.status()) {
                    case PASSED -> {}
                    case FAILED, ERROR -> {
                        xml.writeStartElement(o.status() == TestOutcome.Status.FAILED ? "failure" : "error");
                        xml.writeAttribute("message", XmlText.text(o.detail()));
                        xml.writeCharacters(XmlText.text(o.line()));
                        xml.writeEndElement();
                    }
                }
                xml.writeEndElement();
                xml.writeCharacters("\n");
            }
            xml.writeEndElement();
        });
    }

    private static String json(Path file, List<TestOutcome> outcomes) {
        ObjectNode root = MAPPER.createObjectNode().put("file", file.toString());
        root.putObject("summary")
                .put("cases", outcomes.size())
                .put("passed", count(outcomes, TestOutcome.Status.PASSED))
                .put("failed", count(outcomes, TestOutcome.Status.FAILED))
                .put("errors", count(outcomes, TestOutcome.Status.ERROR));
        ArrayNode cases = root.putArray("cases");
        for (TestOutcome o : outcomes) {
            cases.addObject()
                    .put("name", o.name())
                    .put("kind", o.kind())
                    .put("vm", o.vm())
                    .put("position", o.pos().toString())
                    .put("status", o.status().word())
                    .put("detail", o.detail());
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }
}
