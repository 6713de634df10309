package io.p9gate.policy.cli;

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
