package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * R-PROTO-6: the Linux kernel client, with cache=none and cache=loose, passes
 * every posix.sh check against p9gate (diod fails two of them, see
 * {@link GuestDiodSelfTest#DIOD_KNOWN_GAPS}).
 *
 * <p>msize is 512 KiB in both runs. Under cache=none the gateway advertises an iounit of
 * {@value #HARNESS_IOUNIT}: through the harness's FIFO relay a guest-to-host frame larger than
 * 64 KiB never arrives whole (the guest kernel's fd transport stalls after the first 64 KiB; seen
 * with strace, the server received 65,536 of 65,559 bytes), and programs such as cp write 64 KiB
 * at a time. Under cache=loose, writes go through the page cache one page per Twrite, so that run
 * keeps the full msize for reads and writes.
 */
class GuestPosixIT {
    /** 64 KiB frame minus the Twrite header: the largest write the harness relay carries. */
    static final int HARNESS_IOUNIT = 65536 - 24;
    /** posix.sh makes character and block devices: stored mapped, as a share with {@code devices: mapped} does. */
    static final ShareSafety MAPPED_DEVICES = share -> new ShareSafety.Settings(true, false, "devices");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cache=none", "cache=loose"})
    void kernelClientPassesEveryPosixCheck(String cacheMode, @TempDir Path temp) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.newShare(temp);
        int ioLimit = cacheMode.equals("cache=none") ? HARNESS_IOUNIT : 0;
        GatewayConfig config = new GatewayConfig(
                List.of(ListenSpec.parse("tcp:127.0.0.1:0")),
                new ShareServerFactory(Map.of("test", share), new AllowAll(), new NoAudit(), MAPPED_DEVICES),
                GatewayConfig.DEFAULT_MSIZE,
                8,
                SessionSettings.DEFAULT_MAX_OUTSTANDING,
                ioLimit);
        try (Gateway gateway = Gateway.start(config)) {
            InetSocketAddress address =
                    (InetSocketAddress) gateway.boundAddresses().getFirst();
            GuestResult result = harness.run(
                    "p9gate-posix-" + cacheMode,
                    address,
                    PosixScript.run().withAname("test").withMountOpts(cacheMode));

            assertEquals(List.of(), result.failed(), result::describe);
            assertEquals(List.of(), result.skipped(), result::describe);
            assertEquals(PosixScript.CHECK_COUNT, result.checks().size(), result::describe);
            assertEquals(0, result.exitCode(), result::describe);
        }
    }
}
