package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** A guest script's "@@ NAME VALUE" marks ({@link GuestResult#marks()}) held against what a test expects of them. */
public final class ExpectedMarks {
    private ExpectedMarks() {}

    /**
     * {@code seen} gives each name of {@code want} its value: compared as one "NAME VALUE" line a name, in
     * {@code want}'s order (a missing mark reads "NAME null"), so that a failure shows every difference at once;
     * names {@code want} does not have are not looked at.
     */
    public static void assertMarks(Map<String, String> want, Map<String, String> seen, Supplier<String> message) {
        Map<String, String> got = new LinkedHashMap<>();
        want.keySet().forEach(name -> got.put(name, seen.get(name)));
        assertEquals(lines(want), lines(got), message);
    }

    /** The marks whose names start with {@code prefix} (one side or variant of a script), by name without it. */
    public static Map<String, String> under(Map<String, String> marks, String prefix) {
        Map<String, String> side = new TreeMap<>();
        marks.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                side.put(name.substring(prefix.length()), value);
            }
        });
        return side;
    }

    private static String lines(Map<String, String> marks) {
        return marks.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining("\n"));
    }
}
