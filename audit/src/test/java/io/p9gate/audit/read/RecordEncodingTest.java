package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records are UTF-8 (docs/audit-format.md). Jackson, given bytes, guesses their encoding from the first four: a
 * line in UTF-16 or UTF-32 read as a record, and a line of a zero byte or three after its first (zeros a reader
 * took for stored bytes) was reported in Jackson's words, "Invalid UTF-32 character 0x3a303030", which a
 * compliance run failed with.
 */
class RecordEncodingTest {
    private static final String RECORD = "{\"seq\":7,\"boot\":\"b\",\"time\":\"2026-12-07T20:50:00.000Z\","
            + "\"type\":\"decision\",\"vm\":\"vm-a\",\"guest_uid\":1000,\"decision\":\"allow\",\"prev\":\""
            + "0".repeat(64) + "\"}";

    @Test
    void aUtf8RecordIsRead() throws IOException {
        byte[] line = RECORD.getBytes(StandardCharsets.UTF_8);
        assertEquals(7, LineHeader.parse(line).orElseThrow().seq());
        assertEquals("vm-a", AuditRecord.parse(line).vm());
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"})
    void aRecordInAnotherEncodingIsNoRecord(String encoding) {
        byte[] line = RECORD.getBytes(Charset.forName(encoding));
        assertFalse(LineHeader.parse(line).isPresent(), "a header read from " + encoding);
        assertThrows(IOException.class, () -> AuditRecord.parse(line), "a record read from " + encoding);
    }

    @Test
    void zerosInALineAreSaidToBeZerosNotAnEncoding() {
        byte[] tail = "000:1000,\"decision\":\"allow\"}".getBytes(StandardCharsets.UTF_8);
        byte[] line = new byte[4 + tail.length];
        line[0] = '{';
        System.arraycopy(tail, 0, line, 4, tail.length);
        assertFalse(LineHeader.parse(line).isPresent());
        IOException e = assertThrows(IOException.class, () -> AuditRecord.parse(line));
        assertFalse(e.getMessage().contains("UTF-32"), e.getMessage());
        assertTrue(e.getMessage().contains("zero byte at 1"), e.getMessage());
    }

    @Test
    void aLineThatIsNotUtf8IsNoRecord() {
        byte[] line = RECORD.replace("vm-a", "vm-\u00e9").getBytes(StandardCharsets.ISO_8859_1);
        assertFalse(LineHeader.parse(line).isPresent());
        IOException e = assertThrows(IOException.class, () -> AuditRecord.parse(line));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }
}
