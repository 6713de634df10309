package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.PolicyHolder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins what a reload does to kept set-id bits (fs.SetIdBits) of a share inside another VM's marked share: nothing,
 * since a reload opens and closes no share directory (they are opened at start). Alpha's root keeps a set-uid program
 * in {@code shared/inner}, which is beta's share; a reload takes alpha's share away, beta's root writes its code into
 * the program, a reload gives alpha its share back: alpha sees the bit cleared, as a restart without alpha's share
 * must show too ({@code adversarial.KeptSetIdAcrossVmsAttackTest}).
 */
@Timeout(60)
class KeptSetIdAcrossReloadTest {
    private static final int O_RDWR = 2;
    private static final int O_WRONLY = 1;
    private static final long GETATTR_BASIC = 0x7ffL;

    @TempDir
    Path tmp;

    @Test
    void aWriteThroughTheInnerShareWhileAReloadTookTheOuterAwayClearsTheKeptBits() throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("shared"));
        Path inner = Files.createDirectories(outer.resolve("inner"));
        Files.createDirectories(tmp.resolve("own"));
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, policy(outer, inner));
        try (ReloadingGateway gateway = new ReloadingGateway(file)) {
            gateway.closeRemovedVms();
            gateway.closeTakenShares();
            try (P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "inner");
                alpha.lcreate(1, "su", O_RDWR, 0755, 0);
                alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 04755, 0, 0, 0, 0, 0, 0, 0));
                assertEquals(04755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "alpha keeps its set-uid bit");
            }
            Files.writeString(file, policy(tmp.resolve("own"), inner));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());
            try (P9Client beta = ReloadingGateway.connect(tmp.resolve("beta.sock"))) {
                beta.attach(0, "root", "data", 0);
                beta.walk(0, 1, "su");
                beta.lopen(1, O_WRONLY);
                byte[] trojan = "#!/bin/sh\nexec /bin/sh -p\n".getBytes(StandardCharsets.US_ASCII);
                assertEquals(trojan.length, beta.write(1, 0, trojan));
            }
            Files.writeString(file, policy(outer, inner));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());
            try (P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"))) {
                alpha.attach(0, "root", "data", 0);
                alpha.walk(0, 1, "inner", "su");
                assertEquals(0755, alpha.getattr(1, GETATTR_BASIC).mode() & 07777, "beta's write cleared set-uid");
            }
        }
    }

    /** Alpha (guest ids at host 100000) shares {@code alphaData}, beta (at 200000) {@code betaData}. */
    private String policy(Path alphaData, Path betaData) {
        return "image: test\nvms:\n" + vm("alpha", 100000, alphaData) + vm("beta", 200000, betaData);
    }

    private String vm(String name, int hostBase, Path data) {
        return """
                  %s:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(name, tmp.resolve(name + ".sock"), hostBase, hostBase, data);
    }
}
