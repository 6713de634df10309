package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.QidMapper;
import io.p9gate.gateway.policyadapter.QuotaPolicyRig;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.StatFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tstatfs shows the room of the quota whose scope holds the path it was decided and recorded on. It looked the
 * handle's path up a second time in the backend call: a rename between the decision and the call (here inside the
 * decision, another request of the VM) had Rstatfs show the room of the scope the file was moved into, while the
 * record named the path in the other.
 */
class StatfsDecidedScopeTest {
    private static final Subject ROOT_USER = new Subject(0, 0);
    private static final long CACHE_BYTES = 40 << 10;
    private static final long OTHER_BYTES = 80 << 10;

    @TempDir
    Path tmp;

    @Test
    void theRoomShownIsTheScopeOfThePathDecided() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(data.resolve("cache"));
        Files.createDirectories(data.resolve("other"));
        Files.createFile(data.resolve("cache/f"));
        AtomicReference<Runnable> onStatfs = new AtomicReference<>(() -> {});
        List<String> decidedOn = new ArrayList<>();
        AccessPolicy policy = request -> {
            if (request.operation() == Operation.STATFS) {
                decidedOn.addAll(request.paths());
                onStatfs.getAndSet(() -> {}).run();
            }
            return Decision.allow(List.of("test"));
        };
        try (QuotaPolicyRig rig = new QuotaPolicyRig(
                        tmp,
                        "vm",
                        data,
                        "{path: /cache, bytes: %d, inodes: 10}".formatted(CACHE_BYTES),
                        "{path: /other, bytes: %d, inodes: 20}".formatted(OTHER_BYTES));
                LocalShare share = LocalShare.open("data", data, new QidMapper())) {
            GuardedFs fs = new GuardedFs("vm", 1, policy, new NoAudit(), ChownedIds.UNMAPPED, rig.quotas.of("vm"));
            try (FileHandle root = fs.attach(ROOT_USER, "data", new SessionShares(Map.of("data", share)))
                            .root();
                    FileHandle cache = walk(fs, root, "cache");
                    FileHandle other = walk(fs, root, "other");
                    FileHandle file = walk(fs, cache, "f")) {
                onStatfs.set(() -> {
                    try {
                        fs.renameat(ROOT_USER, cache, "f", other, "f"); // another request of the VM
                    } catch (P9Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                StatFs shown = fs.statfs(ROOT_USER, file);
                assertEquals(List.of("cache/f"), decidedOn, "decided and recorded in cache's scope");
                assertEquals(CACHE_BYTES, shown.blocks() * shown.bsize(), "the total of the scope decided on");
                assertEquals(10, shown.files());
            }
        }
    }

    private static FileHandle walk(GuardedFs fs, FileHandle from, String name) throws P9Exception {
        return fs.walk(ROOT_USER, from, List.of(name), GuardedFs.NO_CLAIM).handle();
    }
}
