package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** ExpectedMarks, the guest ITs' comparison of marks, can fail: a wrong value and a missing mark each do. */
class ExpectedMarksTest {
    private static final Map<String, String> WANT = want();

    private static Map<String, String> want() {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("open", "OK");
        want.put("write", "EROFS");
        return want;
    }

    @Test
    void marksTheTestDoesNotNameAreNotLookedAt() {
        ExpectedMarks.assertMarks(WANT, Map.of("write", "EROFS", "open", "OK", "done", ""), () -> "tail");
    }

    @Test
    void aWrongAndAMissingMarkFailWithEveryLine() {
        AssertionFailedError wrong = assertThrows(
                AssertionFailedError.class,
                () -> ExpectedMarks.assertMarks(WANT, Map.of("open", "OK", "write", "OK"), () -> "tail"));
        assertEquals("open OK\nwrite OK", wrong.getActual().getValue(), wrong::getMessage);
        AssertionFailedError missing = assertThrows(
                AssertionFailedError.class,
                () -> ExpectedMarks.assertMarks(WANT, Map.of("write", "EROFS"), () -> "tail"));
        assertEquals("open null\nwrite EROFS", missing.getActual().getValue(), missing::getMessage);
    }
}
