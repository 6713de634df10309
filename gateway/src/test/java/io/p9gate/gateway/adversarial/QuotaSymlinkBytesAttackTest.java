package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Red team (R-POL-6, one VM must not fill the host's disk): a quota that sets only {@code bytes} (64 KiB here)
 * counts regular files' sizes, not symlink targets (up to 4 KiB each, a host block), directories or xattrs, and
 * left inodes unlimited: 200 symlinks of 4,000-byte targets took 804 KiB of the host with 0 bytes counted, and
 * nothing stopped more. Without an {@code inodes} limit a quota now allows one inode per 4 KiB of its bytes, which
 * bounds what those take by the bytes limit again.
 */
class QuotaSymlinkBytesAttackTest {
    private static final int LIMIT = 64 * 1024;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway("{path: /work/cache, bytes: %d}".formatted(LIMIT));

    private long hostKiB() throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-sk", target.scope.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertEquals(0, du.waitFor());
        return Long.parseLong(out.split("\\s+")[0]);
    }

    @Test
    void aBytesOnlyQuotaAlsoBoundsWhatSymlinksTake() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache");
        int made = 0;
        Errno refused = null;
        for (; made < 200 && refused == null; made++) {
            try {
                c.symlink(1, "s" + made, "x".repeat(4000), 0);
            } catch (P9Exception e) {
                refused = e.errno();
            }
        }
        assertEquals(Errno.EDQUOT, refused, "after " + made + " symlinks");
        long used = hostKiB();
        assertTrue(used <= 2 * LIMIT / 1024, made + " symlinks use " + used + " KiB of the host under a 64 KiB quota");
    }
}
