package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When an unlinked file's usage may go: not while a handle on it is open, nor while an open under way when its
 * last name went may still make one. Keys far from any real inode, so other tests' handles never meet them.
 */
class OpenInodesTest {
    private static final FileKey FILE = new FileKey(-7, 1);
    private static final FileKey OTHER = new FileKey(-7, 2);

    @Test
    void withNoHandleAndNoOpenUnderWayTheUsageGoesAtOnce() {
        AtomicInteger freed = new AtomicInteger();
        OpenInodes.whenFreed(new FileKey(-7, 3), freed::incrementAndGet);
        assertEquals(1, freed.get());
    }

    @Test
    void anOpenUnderWayAtTheUnlinkThatMakesAHandleOnTheFileHoldsItUntilClosed() {
        AtomicInteger freed = new AtomicInteger();
        long ticket = OpenInodes.opening(); // its openat found the file by name
        OpenInodes.whenFreed(FILE, freed::incrementAndGet);
        assertEquals(0, freed.get(), "the open under way may hold the file");

        OpenInodes.opened(FILE, null);
        OpenInodes.openDone(ticket);
        assertEquals(0, freed.get(), "its handle holds the file");

        OpenInodes.closed(FILE, null);
        assertEquals(1, freed.get());
    }

    @Test
    void anOpenUnderWayOfAnotherFileOnlyDelaysIt() {
        AtomicInteger freed = new AtomicInteger();
        long ticket = OpenInodes.opening();
        OpenInodes.whenFreed(FILE, freed::incrementAndGet);
        long later = OpenInodes.opening(); // began after the unlink: cannot have found the name
        OpenInodes.opened(OTHER, null);
        OpenInodes.openDone(ticket);
        assertEquals(1, freed.get(), "no handle on the file once the opens under way are done");

        OpenInodes.openDone(later);
        OpenInodes.closed(OTHER, null);
        assertEquals(1, freed.get());
    }
}
