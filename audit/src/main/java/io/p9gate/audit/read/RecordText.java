package io.p9gate.audit.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * A stored line as the text a parser reads: UTF-8, as the format says (docs/audit-format.md), never guessed. Given
 * bytes, Jackson guesses the encoding from the first four: a line in UTF-16 or UTF-32 read as a record, and a line
 * with zeros after its first byte (space a reader read before the writer wrote there) failed with Jackson's
 * "Invalid UTF-32 character", which the compliance suite reported as its own.
 */
final class RecordText {
    private RecordText() {}

    /** The line's text; an IOException saying why it is no record's: a zero byte, or bytes that are not UTF-8. */
    static String of(byte[] line) throws IOException {
        for (int i = 0; i < line.length; i++) {
            if (line[i] == 0) {
                throw new IOException("not a record: a zero byte at " + i
                        + " (no record holds one: space not written yet when read, or lost)");
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(line))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException("not a record: not UTF-8");
        }
    }
}
