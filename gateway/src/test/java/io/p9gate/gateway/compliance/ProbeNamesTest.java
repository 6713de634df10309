package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The names the suite makes and the paths it asks about: new names match the glob they probe and carry the
 * run's token, and walks resolve ".." and "." as the gateway does (never above the share root).
 */
class ProbeNamesTest {
    @Test
    void newNamesMatchTheGlobTheyProbe() {
        assertEquals("tok-new.json", Targets.nameFor(PathPattern.parse("/trip/*.json"), "tok"));
        assertEquals("tok-new.sh", Targets.nameFor(PathPattern.parse("/cache/**/*.sh"), "tok"));
        assertEquals("tok-new", Targets.nameFor(PathPattern.parse("/logs/**"), "tok"));
        assertEquals("tok-new", Targets.nameFor(PathPattern.parse("/**"), "tok"));
        assertEquals("odometer", Targets.nameFor(PathPattern.parse("/odometer"), "tok"), "a literal names itself");
        assertEquals("a-tok-new-b.log", Targets.nameFor(PathPattern.parse("/x/a-*-b*.log"), "tok"));
    }

    @Test
    void placeNamesCarryTheTokenAndTheGlobsShape() {
        Place names = new Place(SharePath.of("/trip"), false, "tok", "*.json");
        assertEquals(SharePath.of("/trip/tok-src.json"), names.path("src"));
        Place scratch = new Place(SharePath.of("/tok"), true, "tok", null);
        assertEquals(SharePath.of("/tok/src"), scratch.path("src"));
    }

    @Test
    void walksResolveDotsAsTheGatewayDoes() {
        assertEquals(List.of(SharePath.ROOT), Oracle.walkedPaths(SharePath.ROOT, List.of("..")));
        assertEquals(
                List.of(SharePath.of("/a"), SharePath.ROOT, SharePath.ROOT),
                Oracle.walkedPaths(SharePath.ROOT, List.of("a", "..", "..")));
        assertEquals(
                List.of(SharePath.of("/a"), SharePath.of("/a")), Oracle.walkedPaths(SharePath.ROOT, List.of("a", ".")));
        assertEquals(List.of(SharePath.of("/a/b")), Oracle.walkedPaths(SharePath.of("/a/b"), List.of()));
    }
}
