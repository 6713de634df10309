package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The stored mapping names its VM; one written before mappings named their VM is shown only where no other VM maps
 * special files (so an upgrade keeps a VM's device nodes and fifos); a garbled one to none.
 */
class MappedSpecialFileTest {
    @Test
    void theVmIsStoredAndReadBackEvenWithSpaces() {
        for (String vm : new String[] {"alpha", "unix:/run/p9 gate/a.sock"}) {
            MappedSpecialFile made = new MappedSpecialFile(FileType.CHAR_DEVICE, 1, 1, 0666, vm);
            MappedSpecialFile read = MappedSpecialFile.parse(made.encode());
            assertEquals(made, read);
            assertTrue(read.shownTo(vm, true));
            assertFalse(read.shownTo("beta", true), "a VM's own mapping, whoever else may own old ones");
        }
    }

    @Test
    void anOldMappingIsShownOnlyWhereNoOtherVmMapsSpecialFiles() {
        MappedSpecialFile old = MappedSpecialFile.parse("c 1 1 0666");
        assertTrue(old.shownTo("alpha", true), "the only VM that maps special files there made it");
        assertFalse(old.shownTo("alpha", false), "another VM may have made it");
        assertEquals(
                new MappedSpecialFile(FileType.CHAR_DEVICE, 1, 1, 0600, "alpha"),
                old.withPerms(0600).of("alpha"),
                "changed by its VM, it names that VM from then on");
        assertFalse(MappedSpecialFile.parse("garbage").shownTo("", true));
        assertFalse(MappedSpecialFile.parse("garbage").shownTo("alpha", true));
    }
}
