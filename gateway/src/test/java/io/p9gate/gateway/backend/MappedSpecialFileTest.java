package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The stored mapping names its VM; one that names none (legacy, garbled) is shown to no VM. */
class MappedSpecialFileTest {
    @Test
    void theVmIsStoredAndReadBackEvenWithSpaces() {
        for (String vm : new String[] {"alpha", "unix:/run/p9 gate/a.sock"}) {
            MappedSpecialFile made = new MappedSpecialFile(FileType.CHAR_DEVICE, 1, 1, 0666, vm);
            MappedSpecialFile read = MappedSpecialFile.parse(made.encode());
            assertEquals(made, read);
            assertTrue(read.shownTo(vm));
            assertFalse(read.shownTo("beta"));
        }
    }

    @Test
    void aMappingWithoutItsVmIsShownToNone() {
        MappedSpecialFile legacy = MappedSpecialFile.parse("c 1 1 0666");
        assertEquals(new MappedSpecialFile(FileType.CHAR_DEVICE, 1, 1, 0666, ""), legacy);
        assertFalse(legacy.shownTo(""));
        assertFalse(legacy.shownTo("alpha"));
        assertFalse(MappedSpecialFile.parse("garbage").shownTo(""));
    }
}
