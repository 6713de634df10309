package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The real Linux client asking for msize 1 MiB from a gateway that grants less ({@code --msize 65536}) or whose
 * iounit is smaller than msize ({@code --iounit 65512}), in 9P2000.L and 9P2000.u, cache=none and cache=loose
 * (gateway-caps.sh): the mount takes the granted msize, and 8 MiB written and read back with dd bs=1M, with and without
 * O_DIRECT, are the guest's bytes on the host too; a listing of 400 long names is whole.
 */
class GuestGatewayCapsIT {
    private static final int ASKED = 1 << 20;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({
        "65536, 0, 9p2000.L, cache=none",
        "65536, 0, 9p2000.u, cache=loose",
        "1052672, 65512, 9p2000.L, cache=loose",
        "1052672, 65512, 9p2000.u, cache=none"
    })
    void theGuestLivesWithWhatTheGatewayGrants(int msize, int iounit, String dialect, String cache) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(tmp.resolve("share"));
        GuestResult result;
        try (ShareServerFactory factory = new ShareServerFactory(Map.of("test", share), new AllowAll(), new NoAudit());
                Gateway gateway = Gateway.start(new GatewayConfig(
                        List.of(ListenSpec.parse("tcp:127.0.0.1:0")),
                        factory,
                        msize,
                        4,
                        SessionSettings.DEFAULT_MAX_OUTSTANDING,
                        iounit))) {
            result = harness.run(
                    "p9gate-caps-" + msize + "-" + iounit + "-" + dialect + "-" + cache.replace('=', '-'),
                    gateway,
                    GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "gateway-caps.sh"))
                            .withAname("test")
                            .withMsize(ASKED)
                            .withDialect(dialect)
                            .withMountOpts(cache)
                            .withTimeout(Duration.ofMinutes(3)));
        }
        Map<String, String> seen = result.marks();
        assertFalse(result.output().contains("9pnet"), result::describe);
        String src = seen.get("src");
        Map<String, String> want = new LinkedHashMap<>();
        want.put("msize", Integer.toString(Math.min(msize, ASKED)));
        want.put("src", src);
        want.put("write", "OK");
        want.put("write-direct", "OK");
        want.put("read", src);
        want.put("read-direct", src);
        List<String> names = Stream.iterate(0, i -> i + 1)
                .limit(400)
                .map(i -> "%04d".formatted(i) + "0".repeat(200))
                .toList();
        want.put("listed", "400 " + md5((String.join("\n", names) + "\n").getBytes()));
        want.put("done", "");
        ExpectedMarks.assertMarks(want, seen, result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertEquals(src, md5(Files.readAllBytes(share.resolve("big"))), "the host's big");
        assertEquals(src, md5(Files.readAllBytes(share.resolve("direct"))), "the host's direct");
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
