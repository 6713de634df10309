package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics socket's file deleted or replaced while the gateway runs: scrapers and {@code p9gate status} connect by
 * the path, so they all failed, and the endpoint went on without a word until a restart. It is now bound again; a
 * file the start would refuse too is kept, and said, until it is gone.
 */
class LostMetricsSocketTest {
    @TempDir
    Path dir;

    private final AuditMetrics metrics = new AuditMetrics();

    @Test
    void aDeletedMetricsSocketIsBoundAgainAndScrapedAgain() throws Exception {
        Path socket = dir.resolve("metrics.sock");
        MetricsAddress address = new MetricsAddress.Unix(socket);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(address, metrics.registry())) {
            metrics.written(Records.read("ivi", 4096));
            Files.delete(socket);
            assertThrows(IOException.class, () -> MetricsScrape.from(address), "nothing to connect to");

            endpoint.checkSocketFile();

            assertEquals(4096.0, MetricsScrape.from(address).sum("p9gate_read_bytes_total"));
            assertEquals(Map.of(), endpoint.lostSocketFile());
        }
        assertEquals(false, Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "removed at close as before");
    }

    @Test
    void aFileThatReplacedTheMetricsSocketIsKeptAndSaidUntilItIsGone() throws Exception {
        Path socket = dir.resolve("metrics.sock");
        MetricsAddress address = new MetricsAddress.Unix(socket);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(address, metrics.registry())) {
            Files.delete(socket);
            Files.writeString(socket, "not the gateway's");

            endpoint.checkSocketFile();

            assertEquals("not the gateway's", Files.readString(socket), "not the gateway's to remove");
            assertEquals(
                    Map.of(
                            "unix:" + socket,
                            "its socket file was replaced by another file, and it cannot be bound again: metrics: "
                                    + socket + " exists and is not a socket; refusing to replace it"),
                    endpoint.lostSocketFile());

            Files.delete(socket);
            endpoint.checkSocketFile();
            assertEquals(Map.of(), endpoint.lostSocketFile());
            assertEquals(0.0, MetricsScrape.from(address).sum("p9gate_read_bytes_total"));
        }
    }
}
