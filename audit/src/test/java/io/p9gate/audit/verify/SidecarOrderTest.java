package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier meets the sidecar's notes in file order as its pass reaches their sizes, and compares a note read
 * after the pass went past its size in a second pass. The writer appends notes in size order; a sidecar put out of
 * order (reversed, rotated, shuffled) must still give the report the ordered one gives, tampered or not, but for the
 * line numbers it quotes.
 */
class SidecarOrderTest {
    @TempDir
    static Path work;

    static Path base;
    static SigningKey key;
    static final AuditOptions OPTIONS = TestLogs.options().withMaxSegmentBytes(8_000);
    private static int copies;

    @BeforeAll
    static void writeBaseLog() throws Exception {
        key = TestLogs.key("ecu-a-audit");
        base = work.resolve("base");
        TestLogs.write(base, key, OPTIONS, 200);
    }

    interface Tamper {
        void apply(LogEditor e, List<String> notes);
    }

    @TestFactory
    Stream<DynamicTest> reportsDoNotDependOnTheSidecarsOrder() {
        return Stream.of(
                        scenario("untouched", (e, n) -> {}),
                        scenario("a note deleted", (e, n) -> n.remove(n.size() / 2)),
                        scenario(
                                "the last notes deleted",
                                (e, n) -> n.subList(n.size() - 3, n.size()).clear()),
                        scenario("a note twice", (e, n) -> n.add(n.get(4))),
                        scenario(
                                "records cut off",
                                (e, n) -> e.lines.subList(150, e.lines.size()).clear()),
                        scenario(
                                "a record modified",
                                (e, n) -> e.lines.set(60, e.lines.get(60).replace("vm-", "vX-"))),
                        scenario("history rewritten", (e, n) -> {
                            e.lines.set(60, e.lines.get(60).replace("vm-", "vX-"));
                            e.rechainFrom(61);
                        }),
                        scenario(
                                "records deleted in the middle",
                                (e, n) -> e.lines.subList(80, 90).clear()),
                        scenario("a record deleted, renumbered and rechained", (e, n) -> {
                            e.remove(70);
                            e.renumberFrom(70);
                            e.rechainFrom(70);
                        }),
                        scenario(
                                "the pin cut off",
                                (e, n) -> e.lines.subList(100, e.lines.size()).clear()))
                .flatMap(s -> s);
    }

    private static Stream<DynamicTest> scenario(String name, Tamper t) {
        return Stream.of("reversed", "rotated", "shuffled")
                .map(order -> DynamicTest.dynamicTest(name + ", sidecar " + order, () -> {
                    String pin = name.contains("pin")
                            ? noteText(new LogEditor(base).notes().getLast())
                            : null;
                    Path inOrder = tampered(t, order, false);
                    Path outOfOrder = tampered(t, order, true);
                    VerificationReport expected = verify(inOrder, pin);
                    VerificationReport actual = verify(outOfOrder, pin);
                    assertEquals(normalised(expected), normalised(actual), actual.summary());
                }));
    }

    private static Path tampered(Tamper t, String order, boolean reorder) throws Exception {
        Path dir = LogEditor.copy(base, work.resolve("copy" + copies++));
        LogEditor e = new LogEditor(dir);
        List<String> notes = e.notes();
        t.apply(e, notes);
        e.save();
        if (reorder) {
            switch (order) {
                case "reversed" -> Collections.reverse(notes);
                case "rotated" -> Collections.rotate(notes, notes.size() / 3);
                default -> Collections.shuffle(notes, new Random(7));
            }
        }
        e.saveNotes(notes);
        return dir;
    }

    private static VerificationReport verify(Path dir, String pin) throws Exception {
        return new Verifier(List.of(key.verifierKey()), pin, Progress.NONE).verify(dir);
    }

    private static String noteText(String sidecarLine) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(sidecarLine)
                .get("note")
                .asText();
    }

    /** The report but the sidecar line numbers it quotes, findings in a fixed order. */
    private static String normalised(VerificationReport r) {
        List<String> lines = new ArrayList<>(r.summary()
                .replaceAll("checkpoints line \\d+", "checkpoints line N")
                .lines()
                .toList());
        Collections.sort(lines);
        return String.join("\n", lines) + "\nexit " + r.exitCode() + " anchored " + r.anchored() + " unsigned "
                + r.unsignedCheckpoints() + " verified " + r.verifiedCheckpoints() + "/" + r.checkpoints()
                + " omitted " + r.omitted() + "\nnewest " + r.newestNote();
    }
}
