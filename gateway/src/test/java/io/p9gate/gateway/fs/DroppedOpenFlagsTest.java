package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.backend.LinuxSyscalls;
import org.junit.jupiter.api.Test;

/**
 * Open flags a guest's Tlopen or Tlcreate carries that never reach the host's open. O_NOATIME is the one with a
 * reason beyond "the host's business": the gateway opens as root, and root's CAP_FOWNER takes O_NOATIME on any file,
 * where Linux answers EPERM to a caller that neither owns the file nor has CAP_FOWNER. Passed on, any guest could
 * read another VM's or the host's files without their access times moving (what atime-based host tools and
 * forensics read); dropped, the open is served as one without it, the access time moving as the mount says.
 */
class DroppedOpenFlagsTest {
    /** P9_DOTL_* of Linux include/net/9p/9p.h. */
    private static final int P9_DOTL_NOATIME = 01000000;

    private static final int P9_DOTL_DIRECT = 040000;
    private static final int P9_DOTL_NOFOLLOW = 0400000;
    private static final int P9_DOTL_CLOEXEC = 02000000;

    @Test
    void noAtimeNeverReachesTheHostsOpen() {
        for (int access : new int[] {LinuxSyscalls.O_RDONLY, LinuxSyscalls.O_WRONLY, LinuxSyscalls.O_RDWR}) {
            assertEquals(access, OpenFlags.toHost(access | P9_DOTL_NOATIME), "access " + access);
            assertEquals(
                    access,
                    OpenFlags.toHost(access | P9_DOTL_NOATIME | P9_DOTL_DIRECT | P9_DOTL_NOFOLLOW | P9_DOTL_CLOEXEC),
                    "access " + access + " with the other dropped flags");
        }
    }

    @Test
    void anOpenAskingNoAtimeIsStillOnlyARead() {
        assertEquals(true, OpenFlags.onlyReads(LinuxSyscalls.O_RDONLY | P9_DOTL_NOATIME));
    }
}
