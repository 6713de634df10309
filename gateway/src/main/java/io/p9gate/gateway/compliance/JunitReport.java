package io.p9gate.gateway.compliance;

import io.p9gate.policy.cli.XmlText;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The report as JUnit XML ({@code report.xml}), for CI systems: one {@code testsuite} per VM (and one for the
 * gateway as a whole), one {@code testcase} per check; a failed check is a {@code failure}, a check that could
 * not run is {@code skipped} with its reason.
 */
final class JunitReport {
    private JunitReport() {}

    static String of(SuiteReport report) {
        return XmlText.of(xml -> {
            xml.writeStartElement("testsuites");
            xml.writeAttribute("name", text("p9gate compliance " + report.image()));
            counts(xml, report.checks());
            xml.writeAttribute("timestamp", report.date().toString());
            xml.writeCharacters("\n");
            for (Map.Entry<String, List<CheckResult>> vm : report.byVm().entrySet()) {
                suite(xml, report, vm.getKey(), vm.getValue());
            }
            xml.writeEndElement();
        });
    }

    private static void counts(XMLStreamWriter xml, List<CheckResult> checks) throws XMLStreamException {
        xml.writeAttribute("tests", Integer.toString(checks.size()));
        xml.writeAttribute(
                "failures",
                Long.toString(
                        checks.stream().filter(c -> c.status() == Status.FAILED).count()));
        xml.writeAttribute(
                "skipped",
                Long.toString(checks.stream()
                        .filter(c -> c.status() == Status.SKIPPED)
                        .count()));
        xml.writeAttribute("errors", "0");
    }

    private static void suite(XMLStreamWriter xml, SuiteReport report, String vm, List<CheckResult> checks)
            throws XMLStreamException {
        xml.writeStartElement("testsuite");
        xml.writeAttribute("name", text("p9gate.compliance." + vm));
        counts(xml, checks);
        xml.writeAttribute("timestamp", report.date().toString());
        xml.writeCharacters("\n");
        xml.writeStartElement("properties");
        property(xml, "policy.file", report.policy().toString());
        property(xml, "policy.image", report.image());
        property(xml, "policy.sha256", report.policySha256());
        property(xml, "gateway.version", report.gatewayVersion());
        xml.writeEndElement();
        xml.writeCharacters("\n");
        for (CheckResult c : checks) {
            xml.writeStartElement("testcase");
            xml.writeAttribute(
                    "classname", text("p9gate.compliance." + vm + (c.share() == null ? "" : "." + c.share())));
            xml.writeAttribute("name", text(c.requirement() + " " + c.id() + ": " + c.title()));
            switch (c.status()) {
                case PASSED -> {}
                case FAILED -> {
                    xml.writeStartElement("failure");
                    xml.writeAttribute("message", text(c.message().isEmpty() ? "saw " + c.seen() : c.message()));
                    xml.writeCharacters(details(c));
                    xml.writeEndElement();
                }
                case SKIPPED -> {
                    xml.writeStartElement("skipped");
                    xml.writeAttribute("message", text(c.message()));
                    xml.writeEndElement();
                }
            }
            xml.writeStartElement("system-out");
            xml.writeCharacters(details(c));
            xml.writeEndElement();
            xml.writeEndElement();
            xml.writeCharacters("\n");
        }
        xml.writeEndElement();
        xml.writeCharacters("\n");
    }

    private static void property(XMLStreamWriter xml, String name, String value) throws XMLStreamException {
        xml.writeEmptyElement("property");
        xml.writeAttribute("name", name);
        xml.writeAttribute("value", text(value));
    }

    /** Text as XML 1.0 can hold it: guests' names escaped as on the console ({@link XmlText#text}). */
    static String text(String s) {
        return XmlText.text(s);
    }

    private static String details(CheckResult c) {
        return "requirement: " + c.requirement() + "\nrequest: " + text(c.request()) + "\nexpected: "
                + text(c.expected()) + "\nseen: " + text(c.seen()) + "\naudit records: " + c.auditSeqs()
                + (c.message().isEmpty() ? "" : "\nnote: " + text(c.message())) + "\n";
    }
}
