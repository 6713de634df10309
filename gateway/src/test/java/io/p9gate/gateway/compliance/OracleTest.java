package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suite's expectations where the gateway refuses after the policy allowed. */
class OracleTest {
    @TempDir
    Path tmp;

    /**
     * A VM whose map holds only 1000-1099: the gateway refuses a create as an id the map leaves to the overflow id
     * (EOVERFLOW, rule {@code ids.unmapped-id}), after the policy allowed it; the suite run as --uid 0 expected the
     * create to succeed and reported the gateway's refusal as a failure.
     */
    @Test
    void aCreateAsAnIdTheMapDoesNotHoldIsExpectedRefused() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  a:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 1000, host: 101000, count: 100}]}
                      gid: {ranges: [{guest: 1000, host: 101000, count: 100}]}
                    shares:
                      s:
                        path: %s
                        access: read-write
                """.formatted(tmp.resolve("a.sock"), share));
        PolicyEngine engine = PolicyEngine.load(policy);
        SharePath file = SharePath.of("/f");

        Expected unmapped = new Oracle(engine, "a", 0).decide("s", OpKind.CREATE, file, null, 1000);
        assertFalse(unmapped.allowed(), "a create as uid 0 is refused by the gateway");
        assertEquals(Errno.EOVERFLOW, unmapped.errno());
        assertEquals(List.of("vm.a.share.s.ids.unmapped-id"), unmapped.ruleIds());
        Expected unmappedGid = new Oracle(engine, "a", 1000).decide("s", OpKind.MKDIR, file, null, 0);
        assertEquals(Errno.EOVERFLOW, unmappedGid.errno());

        assertTrue(new Oracle(engine, "a", 1000)
                .decide("s", OpKind.CREATE, file, null, 1000)
                .allowed());
        // Only what gives a file an owner: a walk or an open asks no owner.
        assertTrue(
                new Oracle(engine, "a", 0).decide("s", OpKind.OPEN_READ, file).allowed());
    }
}
