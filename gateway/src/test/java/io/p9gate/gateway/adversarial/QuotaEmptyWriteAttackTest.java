package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Twrite of no bytes at an offset past the end of a file leaves the file as it was (pwrite(2) of 0 bytes writes
 * nothing), but the quota counted the file as grown to that offset: one empty write took a 1 MiB quota's whole
 * room with an empty file, every later write there EDQUOT until a restart rescanned it. Found by the policy-aware
 * fuzzer (fuzz.PolicyFuzzTest, seed 518).
 */
class QuotaEmptyWriteAttackTest {
    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void anEmptyWritePastTheEndTakesNoRoom() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache");
        c.lcreate(1, "f", O_RDWR, 0644, 0);
        assertEquals(0, c.write(1, LIMIT - 1, new byte[0]));
        assertEquals(0, Files.size(target.scope.resolve("f")));
        assertEquals(target.usageAfterRestart(), target.usageNow(), "the quota counts what the host holds");
        assertEquals(LIMIT, QuotaAttackGateway.fill(c, 1, 0, LIMIT), "the whole limit is still free");
    }
}
