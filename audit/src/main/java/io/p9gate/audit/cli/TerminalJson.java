package io.p9gate.audit.cli;

import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * JSON for a terminal, of text that guests or a doctored log chose: every character outside printable ASCII as a
 * JSON escape (the same JSON value), so no control (C0, DEL, C1) or bidi override reaches the terminal raw.
 * Jackson escapes C0 by itself, non-ASCII with {@code ESCAPE_NON_ASCII}; DEL only when told.
 */
public final class TerminalJson {
    private TerminalJson() {}

    public static ObjectMapper mapper() {
        ObjectMapper json = new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .enable(JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
        json.getFactory().setCharacterEscapes(new WithDel());
        return json;
    }

    private static final class WithDel extends CharacterEscapes {
        private static final long serialVersionUID = 1L;

        private final int[] ascii = standardAsciiEscapesForJSON();

        WithDel() {
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializedString getEscapeSequence(int ch) {
            return null; // every other character as Jackson's standard escape
        }
    }
}
