package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two VMs with different id maps on one host folder (alpha guest 0-65535 at host 100000-, beta at host 200000-;
 * beta's share hides {@code /secret}). Alpha, in a loop, makes the name {@code secret} appear and go as a directory
 * (renamed from and back to {@code box}) and as a hard link of {@code f}, and chowns and chmods {@code f} between
 * its own users; beta, in a loop, lists the root and asks the owner of {@code f} through a fid it holds. Beta's
 * listings never show {@code secret} and its Tgetattr never shows an owner other than its overflow id, nor a mode
 * with set-id bits, whether ownership lives on the host inode or in xattrs (test only, no defect; Low).
 */
class CrossVmListingRaceAttackTest {
    private static final int ROUNDS = 1500;
    private static final int OVERFLOW = -2; // 4294967294, the default overflow of a VM with a map
    private static final int RDWR = 2;
    private static final int O_CREAT = 0100;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void anotherVmsRenamesLinksAndChownsNeverShowAHiddenNameNorItsIds(OwnershipMode mode) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Path alphaSocket = tmp.resolve("alpha.sock");
        Path betaSocket = tmp.resolve("beta.sock");
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm("alpha", alphaSocket, 100000, data),
                OwnershipRig.vm(
                        "beta",
                        betaSocket,
                        200000,
                        "data: {path: %s, access: read-write, hidden: [/secret]}".formatted(data)));
        List<String> shown = new CopyOnWriteArrayList<>();
        AtomicInteger listings = new AtomicInteger();
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(alphaSocket);
                P9Client beta = OwnershipRig.connect(betaSocket)) {
            alpha.attach(0, "root", "data", 0);
            beta.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "f", RDWR | O_CREAT, 0755, 0);
            alpha.mkdir(0, "box", 0755, 0);
            beta.walk(0, 1, "f");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> betaFailed = new AtomicReference<>();
            Thread betaLoop = Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get()) {
                        beta.walk(0, 2);
                        beta.lopen(2, 0);
                        long offset = 0;
                        for (List<DirEntry> page = beta.readdir(2, 0, 8192);
                                !page.isEmpty();
                                page = beta.readdir(2, offset, 8192)) {
                            for (DirEntry e : page) {
                                if (e.name().equals("secret")) {
                                    shown.add("listed secret");
                                }
                                offset = e.offset();
                            }
                        }
                        beta.clunk(2);
                        listings.incrementAndGet();
                        Attr seen = beta.getattr(1, Attr.GETATTR_ALL);
                        if (seen.uid() != OVERFLOW || seen.gid() != OVERFLOW || (seen.mode() & 06000) != 0) {
                            shown.add(seen.uid() + ":" + seen.gid() + " mode " + Integer.toOctalString(seen.mode()));
                        }
                    }
                } catch (Exception e) {
                    betaFailed.set(e);
                }
            });
            try {
                for (int round = 0; round < ROUNDS && shown.isEmpty() && betaFailed.get() == null; round++) {
                    int uid = round % 2 == 0 ? 1000 : 2000;
                    alpha.setattr(
                            1,
                            new SetAttr(
                                    SetAttr.SETATTR_UID | SetAttr.SETATTR_GID | SetAttr.SETATTR_MODE,
                                    round % 2 == 0 ? 06755 : 0755,
                                    uid,
                                    uid,
                                    0,
                                    0,
                                    0,
                                    0,
                                    0));
                    alpha.renameat(0, "box", 0, "secret");
                    alpha.renameat(0, "secret", 0, "box");
                    alpha.link(0, 1, "secret");
                    alpha.unlinkat(0, "secret", 0);
                }
            } finally {
                stop.set(true);
                betaLoop.join();
            }
            assertEquals(null, betaFailed.get());
            assertEquals(List.of(), shown, "beta was shown what its policy hides");
            assertTrue(listings.get() > 100, "beta listed while alpha churned: " + listings.get());
        }
    }
}
