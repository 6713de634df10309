package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.Root;
import io.p9gate.policy.ids.IdRange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-5, found in a real guest): a host file whose owner the VM's map does not cover (host root's, or
 * another VM's in a shared folder) was shown as owned by the overflow id 65534, yet the usual map {@code {guest: 0,
 * host: N, count: 65536}} maps guest 65534: it is the guest's {@code nobody}, which daemons run as. Under {@code
 * permissions: guest} the guest kernel checks access against the owner it is shown, so guest nobody read host root's
 * 0600 "topsecret", appended to it and chmodded it 0666. The owner shown for such a file must be one no guest user
 * runs as: (u32)-2, 4294967294, as NFS's nfsnobody was, on uid and gid and in every dialect. (Another VM's file:
 * XattrOwnershipAcrossVmsAttackTest.)
 */
class OverflowOwnerAttackTest {
    private static final long GETATTR_BASIC = 0x7ffL;
    /** (u32)-2 as the wire's u32 carries it. */
    private static final int SHOWN = (int) IdRange.MAX_ID;

    private static final int GUEST_USER = 1000;

    @TempDir
    Path tmp;

    @Test
    void aHostRootFileIsOwnedByNoGuestUserTheMapMaps() throws Exception {
        Root.assumeRoot("a host file of root's");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            HostShareGateway.privateFile(gw.share("data"), "topsecret".getBytes(StandardCharsets.UTF_8), 0);
            guest.walk(0, 1, "secret");
            Attr shown = guest.getattr(1, GETATTR_BASIC);
            assertUnmappedOwner(shown.uid(), shown.gid(), "host root's 0600 file");
        }
    }

    /** 9P2000.u carries the id in n_uid/n_gid, 9P2000 as the owner's name: the same number either way. */
    @Test
    void theLegacyDialectsShowTheSameOwner() throws Exception {
        Root.assumeRoot("a host file of root's");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            HostShareGateway.privateFile(gw.share("data"), "topsecret".getBytes(StandardCharsets.UTF_8), 0);
            for (String dialect : new String[] {"9P2000.u", "9P2000"}) {
                try (P9Client guest = WstatUnappliedModeBitsAttackTest.holdingFid1Of(gw, dialect, "secret")) {
                    Stat stat = ((RMessage.Rstat) guest.rpc(new TMessage.Tstat(1))).stat();
                    assertEquals(Integer.toUnsignedString(SHOWN), stat.common().uid(), dialect);
                    assertEquals(Integer.toUnsignedString(SHOWN), stat.common().gid(), dialect);
                    stat.unix().ifPresent(u -> assertUnmappedOwner(u.nUid(), u.nGid(), dialect + " n_uid/n_gid"));
                }
            }
        }
    }

    /** Neither id may be one the usual map {guest: 0, count: 65536} maps (0-65535): a guest user would own the file. */
    private static void assertUnmappedOwner(int uid, int gid, String what) {
        long u = Integer.toUnsignedLong(uid);
        long g = Integer.toUnsignedLong(gid);
        assertFalse(u < 65536, what + " is shown as owned by guest uid " + u + ", a user of the VM");
        assertFalse(g < 65536, what + " is shown as of guest gid " + g + ", a group of the VM");
        assertEquals(SHOWN, uid, what);
        assertEquals(SHOWN, gid, what);
    }
}
