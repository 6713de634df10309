package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.HostMoves.IN_DELETE;
import static io.p9gate.gateway.backend.HostMoves.IN_MOVED_FROM;
import static io.p9gate.gateway.backend.HostMoves.IN_MOVED_TO;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** The {@code struct inotify_event} records one read of an inotify instance returned ({@link VmInotify}). */
final class InotifyEvents {
    /** struct inotify_event before its name: wd, mask, cookie, len. */
    private static final int HEADER = 16;

    /** The events whose entry's name is looked at (OwnChangeNotes). */
    private static final int NAMED = IN_MOVED_FROM | IN_DELETE | IN_MOVED_TO;

    /** One event: its watch, its mask, and the entry's name or null. */
    @FunctionalInterface
    interface Handler {
        void event(int wd, int mask, String name);
    }

    private InotifyEvents() {}

    /**
     * Hands each event of the first {@code n} bytes of {@code buf} to {@code handler}, in order, with the entry's
     * name only for an event that names one while {@code names} says a name can matter: decoding it is most of an
     * event's cost.
     */
    static void forEach(MemorySegment buf, long n, BooleanSupplier names, Handler handler) {
        for (long pos = 0; pos + HEADER <= n; pos += HEADER + buf.get(JAVA_INT, pos + 12)) {
            int wd = buf.get(JAVA_INT, pos);
            int mask = buf.get(JAVA_INT, pos + 4);
            boolean named = (mask & NAMED) != 0 && names.getAsBoolean() && buf.get(JAVA_INT, pos + 12) > 0;
            handler.event(wd, mask, named ? buf.getString(pos + HEADER, StandardCharsets.UTF_8) : null);
        }
    }
}
