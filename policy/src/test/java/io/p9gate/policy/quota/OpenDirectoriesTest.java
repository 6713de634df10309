package io.p9gate.policy.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scan's open levels are all closed even when closes fail. A directory stream's close cannot be made to fail
 * from outside the JDK, so the levels here are closeables of the test's own.
 */
class OpenDirectoriesTest {
    private final List<String> closed = new ArrayList<>();

    private Closeable level(String name, boolean fails) {
        return () -> {
            closed.add(name);
            if (fails) throw new IOException(name + " failed");
        };
    }

    @Test
    void everyLevelIsClosedTheFirstFailureThrownTheOthersSuppressed() {
        OpenDirectories<Closeable> open = new OpenDirectories<>();
        open.push(level("top", false));
        open.push(level("middle", true));
        open.push(level("inner", true));

        IOException thrown = assertThrows(IOException.class, open::close);

        assertEquals(List.of("inner", "middle", "top"), closed, "innermost first, none left open");
        assertEquals("inner failed", thrown.getMessage());
        assertEquals(1, thrown.getSuppressed().length);
        assertEquals("middle failed", thrown.getSuppressed()[0].getMessage());
    }

    @Test
    void aFailureOfTheScanStaysTheOneReported() {
        IllegalStateException scan = new IllegalStateException("scan failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> {
            try (OpenDirectories<Closeable> open = new OpenDirectories<>()) {
                open.push(level("top", true));
                throw scan;
            }
        });

        assertSame(scan, thrown);
        assertEquals("top failed", thrown.getSuppressed()[0].getMessage());
    }
}
