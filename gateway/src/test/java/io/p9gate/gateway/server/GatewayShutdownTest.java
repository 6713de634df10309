package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.session.FakeHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM's lone quick request is served on its own event loop; a host call that never returns there (a read on a hung
 * mount inside a share) must not keep the gateway from stopping, or SIGTERM would never reach the final checkpoint
 * (R-DEP-2). Close waits for each step a bounded time and goes on.
 */
class GatewayShutdownTest {
    @TempDir
    Path dir;

    @Test
    void closeReturnsWhileAVmsLoopIsStuckInARequest() throws Exception {
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        CountDownLatch never = new CountDownLatch(1);
        handlers.holdGetattr = never;
        Gateway gateway = Gateway.start(new GatewayConfig(
                List.of(new ListenSpec.Unix(dir.resolve("vm.sock"))), handlers, GatewayConfig.DEFAULT_MSIZE, 2));
        P9Client client = P9Client.open(gateway.boundAddresses().getFirst(), 8192);
        try {
            client.attach(0, "root", "", 0);
            Thread stuck = Thread.ofPlatform().daemon().start(() -> {
                try {
                    client.getattr(0, 0x7ff);
                } catch (Exception expectedOnceClosed) {
                    // the connection is closed under it
                }
            });
            assertTrue(handlers.getattrHeld.await(10, TimeUnit.SECONDS), "the getattr reached the handler");
            Thread closing = Thread.ofPlatform().start(() -> gateway.close(Duration.ofSeconds(1)));
            closing.join(Duration.ofSeconds(20)); // the fake gives up by itself after 30 s
            assertTrue(!closing.isAlive(), "close() is still waiting for the stuck loop");
            stuck.join(Duration.ofSeconds(1));
        } finally {
            never.countDown(); // lets the loop go (the fake would give up after 30 s anyway)
            client.close();
        }
    }
}
