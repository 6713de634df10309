package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reload scans a VM's scopes while the VM keeps sending requests (docs/policy.md, "Reload"). A rename within one
 * scope costs nothing in its quota, but a file (or a whole directory) moved during the scan from a directory the scan
 * has not reached yet into one it has passed is seen by neither: the new book misses it, and the VM may write its
 * size again. No byte is written during the scan, so this is not bounded by what the VM writes meanwhile.
 */
class QuotaReloadScanRaceAttackTest {
    private static final int CACHE = 1;
    private static final int A = 2;
    private static final int B = 3;
    private static final int FILE = 4;
    /** Host-made empty files in each directory: a scan long enough for renames to land inside it. */
    private static final int FILLER = 2_000;

    private static final int RELOADS = 300;

    @RegisterExtension
    final QuotaAttackGateway target =
            new QuotaAttackGateway("{path: /work/cache, bytes: %d, inodes: %d}".formatted(LIMIT, 3 * FILLER));

    @Test
    void aFileRenamedToAndFroWhileReloadsScanStaysCounted() throws Exception {
        for (String dir : new String[] {"a", "b"}) {
            Path d = Files.createDirectories(target.scope.resolve(dir));
            for (int i = 0; i < FILLER; i++) {
                Files.createFile(d.resolve("e" + i));
            }
        }
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        c.walk(CACHE, A, "a");
        c.walk(CACHE, B, "b");
        c.walk(A, FILE);
        c.lcreate(FILE, "f", O_RDWR, 0644, 0);
        long mine = QuotaAttackGateway.fill(c, FILE, 0, LIMIT); // what the directories' blocks leave
        c.clunk(FILE);

        P9Client mover = target.connect();
        mover.walk(ROOT, CACHE, "work", "cache");
        mover.walk(CACHE, A, "a");
        mover.walk(CACHE, B, "b");
        AtomicBoolean stop = new AtomicBoolean();
        Thread renaming = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    mover.renameat(A, "f", B, "f");
                    mover.renameat(B, "f", A, "f");
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long lowest = Long.MAX_VALUE;
        int missed = 0;
        try {
            for (int i = 0; i < RELOADS && missed == 0; i++) {
                target.reload();
                long counted = target.usageNow().bytes();
                lowest = Math.min(lowest, counted);
                if (counted < mine) {
                    missed++;
                }
            }
        } finally {
            stop.set(true);
            renaming.join();
        }
        c.walk(CACHE, FILE);
        c.lcreate(FILE, "more", O_RDWR, 0644, 0);
        long more = QuotaAttackGateway.fill(c, FILE, 0, LIMIT);
        c.clunk(FILE);

        assertEquals(
                0,
                more,
                "the scope was full; a reload's count went down to " + lowest + " bytes (" + mine
                        + " in f, the directories' blocks besides)");
    }
}
