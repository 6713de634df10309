package io.p9gate.policy.cli;

import io.p9gate.audit.read.PrintableText;
import java.io.StringWriter;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** An XML document written into a string: the frame of the JUnit XML reports ({@code policy test}, the compliance suite). */
public final class XmlText {
    /** Writes the root element and everything in it. */
    @FunctionalInterface
    public interface Body {
        void write(XMLStreamWriter xml) throws XMLStreamException;
    }

    private XmlText() {}

    /**
     * Text as XML 1.0 can hold it and a reviewer's terminal can show it. A case name, a path or a guest's file name
     * may hold control characters, which XML cannot carry at all (a raw ESC makes the whole file unparseable for the
     * CI system): they are escaped as on the console ({@link PrintableText}), and so are U+FFFE and U+FFFF, which
     * XML excludes too.
     */
    public static String text(String s) {
        return PrintableText.escape(s).replace("\uFFFE", "\\ufffe").replace("\uFFFF", "\\uffff");
    }

    public static String of(Body body) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            body.write(xml);
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("writing XML to a string cannot fail", e);
        }
        return out.toString();
    }
}
