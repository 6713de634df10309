package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The record line's bytes are what is hashed, chained and verified (docs/audit-format.md): the encoder that writes
 * bytes directly (issue 11) must write exactly the bytes the format describes. Whole records are pinned by golden
 * lines; each kind of value is checked against what the JDK's own formatting wrote before (Long.toString,
 * DateTimeFormatter, HexFormat, the escape rules).
 */
class RecordEncoderTest {
    private static final String BOOT = "00000000-0000-0000-0000-000000000001";
    private static final byte[] PREV = new byte[32];
    private static final CanonicalJson.Field K = new CanonicalJson.Field("k");
    private static final CanonicalJson.Field N = new CanonicalJson.Field("n");
    private static final CanonicalJson.Field T = new CanonicalJson.Field("t");
    private static final CanonicalJson.Field H = new CanonicalJson.Field("h");

    static {
        for (int i = 0; i < PREV.length; i++) {
            PREV[i] = (byte) i;
        }
    }

    private static String encoded(long seq, Instant time, AuditEvent event) {
        return new String(RecordEncoder.encode(seq, BOOT, time, event, PREV), StandardCharsets.US_ASCII);
    }

    /** An allowed request of guest root on {@code path}. */
    private static AuditEvent.Decision rootAllowed(String op, String path, String detail) {
        return new AuditEvent.Decision(
                "vm-a",
                3,
                op,
                9,
                path,
                new IdMapping(0, 0, 0, 0),
                Outcome.ALLOW,
                List.of(),
                "none",
                0,
                AuditEvent.NO_BYTES,
                detail,
                1);
    }

    @Test
    void aDecisionRecordHasTheDocumentedBytes() {
        AuditEvent.Decision d = new AuditEvent.Decision(
                "vm-a",
                3,
                "OPEN_READ",
                9,
                "a/b",
                new IdMapping(1000, 1000, 101000, 101000),
                Outcome.ALLOW,
                List.of("r1", "r\"2"),
                "sha256:ab",
                0,
                AuditEvent.NO_BYTES,
                "x\u00e9",
                1);
        assertEquals(
                "{\"seq\":7,\"boot\":\"" + BOOT + "\",\"time\":\"2026-12-02T07:30:01.000123Z\",\"type\":\"decision\","
                        + "\"vm\":\"vm-a\",\"session\":3,\"op\":\"OPEN_READ\",\"tag\":9,\"path\":\"/a/b\","
                        + "\"guest_uid\":1000,\"guest_gid\":1000,\"host_uid\":101000,\"host_gid\":101000,"
                        + "\"decision\":\"allow\",\"rules\":[\"r1\",\"r\\\"2\"],\"policy\":\"sha256:ab\",\"errno\":0,"
                        + "\"bytes\":null,\"count\":1,\"detail\":\"x\\u00e9\","
                        + "\"prev\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}",
                encoded(7, Instant.parse("2026-12-02T07:30:01.000123456Z"), d));
    }

    /** A path past 4,095 bytes is stored abbreviated; the event keeps it whole (the refusal budget compares it). */
    @Test
    void aPathPast4095BytesIsStoredAbbreviated() {
        String deep = "/d".repeat(3000);
        AuditEvent.Decision d = rootAllowed("getattr", deep, null);
        assertEquals(deep, d.path());
        String line = encoded(1, Instant.parse("2026-12-02T07:30:01Z"), d);
        String stored = io.p9gate.audit.read.AbbreviatedPath.stored(deep);
        assertEquals("/d".repeat(512) + "//[abbreviated: 6000 bytes, sha256 ", stored.substring(0, 1024 + 35));
        assertTrue(line.contains(",\"path\":\"" + stored + "\","), line);
        assertTrue(line.length() < 2048, line.length() + " bytes");
    }

    /**
     * The bound is on what the path takes in the record, not on its UTF-8 bytes: names of control characters (6
     * bytes each as {@code \\u0001}, 1 in UTF-8) made a record of 24 KB from a path of 4,095 bytes, and a failed
     * rename, which records two paths twice, ~98 KB. Also {@code "}, non-ASCII letters and the detail's {@code %}.
     */
    @Test
    void aPathOfEscapedCharactersIsBoundedByItsRecordBytes() {
        for (String c : List.of("\u0001", "\u00e9", "\"", "\ud83d\ude00")) {
            String name = c.repeat(254 / c.getBytes(StandardCharsets.UTF_8).length);
            String deep = ("/" + name).repeat(4095 / (name.getBytes(StandardCharsets.UTF_8).length + 1));
            assertTrue(deep.getBytes(StandardCharsets.UTF_8).length <= 4095, "within PATH_MAX in UTF-8");
            AuditEvent.Decision d = rootAllowed(
                    "renameat",
                    deep,
                    "to=" + io.p9gate.audit.DetailWords.word(io.p9gate.audit.read.AbbreviatedPath.stored(deep)));
            String line = encoded(1, Instant.parse("2026-12-02T07:30:01Z"), d);
            int path = line.indexOf(",\"path\":\"") + 9;
            int pathBytes = line.indexOf("\",\"guest_uid\"") - path;
            assertTrue(pathBytes <= 4095, pathBytes + " bytes of path in the record for names of " + c);
            assertTrue(line.length() < 2 * 4095 + 600, line.length() + " bytes of record for names of " + c);
        }
    }

    @Test
    void aLifecycleRecordHasTheDocumentedBytes() {
        AuditEvent.Lifecycle l =
                new AuditEvent.Lifecycle(LifecycleKind.SESSION_ATTACH, null, AuditEvent.NO_SESSION, "p", "d");
        assertEquals(
                "{\"seq\":1,\"boot\":\"" + BOOT + "\",\"time\":\"2026-12-02T07:30:01.000000Z\","
                        + "\"type\":\"session_attach\",\"vm\":null,\"session\":null,\"op\":null,\"tag\":null,"
                        + "\"path\":null,\"guest_uid\":null,\"guest_gid\":null,\"host_uid\":null,\"host_gid\":null,"
                        + "\"decision\":null,\"rules\":null,\"policy\":\"p\",\"errno\":null,\"bytes\":null,"
                        + "\"count\":null,\"detail\":\"d\","
                        + "\"prev\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}",
                encoded(1, Instant.parse("2026-12-02T07:30:01Z"), l));
    }

    private static String field(CanonicalJson json) {
        return new String(json.toBytes(), StandardCharsets.US_ASCII);
    }

    /**
     * The log encodes every record into one reused buffer: a record after a longer one, or after one that grew the
     * buffer past what is kept, has exactly the bytes of a fresh encoding, followed by its newline.
     */
    @Test
    void aReusedLineHasTheBytesOfAFreshOne() {
        CanonicalJson line = new CanonicalJson();
        Instant time = Instant.parse("2026-11-20T10:15:30.123456789Z");
        List<AuditEvent> events = List.of(
                TestLogs.decision(1),
                AuditEvent.Lifecycle.of(LifecycleKind.SESSION_CLOSE, "x".repeat(40_000)), // grows the buffer
                TestLogs.decision(2),
                AuditEvent.Lifecycle.of(LifecycleKind.SESSION_CLOSE, "short"),
                TestLogs.decision(12345));
        for (int seq = 0; seq < events.size(); seq++) {
            AuditEvent event = events.get(seq);
            byte[] fresh = RecordEncoder.encode(seq, BOOT, time, event, PREV);
            int length = RecordEncoder.encodeLine(line, seq, BOOT, time, event, PREV);
            assertEquals(fresh.length, length, "record " + seq);
            assertEquals(
                    new String(fresh, StandardCharsets.US_ASCII) + "\n",
                    new String(line.buffer(), 0, length + 1, StandardCharsets.US_ASCII),
                    "record " + seq);
        }
    }

    /**
     * A reused line copies a field's value when it equals the one the field last held (issue 11): whatever the
     * sequence of values (repeated, equal but not the same object, changed, escaped, too long to keep, a
     * lifecycle record's nulls in between), every record has exactly the bytes of a fresh encoding.
     */
    @Test
    void repeatedFieldValuesHaveTheBytesOfFreshOnes() {
        CanonicalJson line = new CanonicalJson();
        Instant time = Instant.parse("2026-11-20T10:15:30.123456789Z");
        String[] details = {"action=getattr share=bench", new String("action=getattr share=bench"), "d\u00e9\"", null};
        String longPath = "/p".repeat(200);
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(new AuditEvent.Decision(
                    i % 7 == 0 ? "vm-\"q\"" : "vm-a",
                    3,
                    i % 3 == 0 ? "getattr" : "write",
                    i,
                    i % 5 == 0 ? longPath + i : i % 2 == 0 ? "/a" : longPath,
                    new IdMapping(0, 0, 100000, 100000),
                    i % 6 == 0 ? Outcome.DENY : Outcome.ALLOW,
                    i % 4 == 0 ? List.of() : i % 4 == 1 ? List.of("r1", "r\"2") : new ArrayList<>(List.of("r1")),
                    i % 9 == 0 ? "sha256:cd" : "sha256:ab",
                    0,
                    i,
                    details[i % details.length],
                    1));
            if (i % 8 == 0) {
                events.add(AuditEvent.Lifecycle.of(LifecycleKind.SESSION_CLOSE, "vm-a"));
            }
        }
        for (int seq = 0; seq < events.size(); seq++) {
            AuditEvent event = events.get(seq);
            byte[] fresh = RecordEncoder.encode(seq, BOOT, time, event, PREV);
            int length = RecordEncoder.encodeLine(line, seq, BOOT, time, event, PREV);
            assertEquals(
                    new String(fresh, StandardCharsets.US_ASCII) + "\n",
                    new String(line.buffer(), 0, length + 1, StandardCharsets.US_ASCII),
                    "record " + seq);
        }
    }

    @Test
    void stringsAreEscapedInTheirOneCanonicalWay() {
        String[] texts = {"", "plain", "q\"uote\\back", "ctl\u0000\u001f\u007f", "\u00e9\u4e2d\ud83d\ude00", "a/b c"};
        for (String text : texts) {
            StringBuilder expected = new StringBuilder("{\"k\":\"");
            for (char c : text.toCharArray()) {
                boolean escaped = c == '"' || c == '\\';
                boolean unicode = c < 0x20 || c >= 0x7f;
                expected.append(escaped ? "\\" + c : unicode ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
            assertEquals(expected + "\"}", field(new CanonicalJson().string(K, text)), text);
            assertEquals(
                    "{\"k\":[" + expected.substring(5) + "\",\"x\"]}",
                    field(new CanonicalJson().strings(K, List.of(text, "x"))));
        }
    }

    @Test
    void numbersAreWrittenAsLongToString() {
        Random random = new Random(11);
        List<Long> numbers = new ArrayList<>(List.of(0L, 1L, -1L, 9L, 10L, Long.MAX_VALUE, Long.MIN_VALUE));
        for (int i = 0; i < 500; i++) {
            numbers.add(random.nextLong() >> random.nextInt(64));
        }
        for (long n : numbers) {
            assertEquals("{\"n\":" + n + "}", field(new CanonicalJson().number(N, n)));
        }
    }

    @Test
    void timesAreWhatTheFormatterWroteToTheMicrosecond() {
        DateTimeFormatter reference =
                DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
        Random random = new Random(11);
        List<Instant> times = new ArrayList<>(List.of(
                Instant.EPOCH,
                Instant.parse("0999-01-01T00:00:00.999999999Z"),
                Instant.parse("2026-12-31T23:59:59.999999Z"),
                Instant.parse("2027-01-01T00:00:00Z"),
                Instant.parse("+10000-01-01T00:00:00.000001Z"),
                Instant.parse("1969-12-31T23:59:59.5Z")));
        for (int i = 0; i < 500; i++) { // many in the same few seconds: the second's text is reused
            times.add(Instant.ofEpochSecond(1_700_000_000L + random.nextInt(5), random.nextInt(1_000_000_000)));
        }
        for (Instant time : times) {
            assertEquals(
                    "{\"t\":\"" + reference.format(time) + "\"}",
                    field(new CanonicalJson().time(T, time)),
                    time.toString());
        }
    }

    @Test
    void bytesAreLowerCaseHex() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        assertEquals("{\"h\":\"" + HexFormat.of().formatHex(bytes) + "\"}", field(new CanonicalJson().hex(H, bytes)));
    }
}
