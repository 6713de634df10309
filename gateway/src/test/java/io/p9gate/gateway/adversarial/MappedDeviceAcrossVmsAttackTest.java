package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.HostXattrs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of R-CONF-2 with {@code devices: mapped} across VMs: alpha and beta share one host folder, both map
 * devices. Hostile alpha makes {@code mknod mem c 1 1 0666}; the mapping did not say who made it, so beta was
 * shown a world-writable character device 1:1 and beta's kernel, if its mount allows devices, opened beta's own
 * /dev/mem for any unprivileged user of beta: alpha raised privileges inside beta. A mapping now names the VM that
 * made it and shows as a device to that VM only; to beta it is what the host holds, an empty 0600 regular file,
 * in getattr, readdir's d_type, the walk's qid, open and 9P2000.u stat alike. A mapping written before the owner
 * was recorded names no VM and shows as a device to none.
 */
class MappedDeviceAcrossVmsAttackTest {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;
    private static final int DT_REG = 8;
    private static final int O_RDONLY = 0;

    @TempDir
    Path tmp;

    private final List<AuditEntry> records = new CopyOnWriteArrayList<>();

    @Test
    void anotherVmsMappedDeviceIsAPlainFileInEveryView() throws Exception {
        Path share = share();
        try (AutoCloseable _ = served(share);
                P9Client alpha = attached("alpha");
                P9Client beta = attached("beta")) {
            alpha.rpc(new TMessage.Tmknod(0, "mem", S_IFCHR | 0666, 1, 1, 0));
            alpha.rpc(new TMessage.Tmknod(0, "pipe", S_IFIFO | 0666, 0, 0, 0));

            alpha.walk(0, 1, "mem");
            assertEquals(S_IFCHR | 0666, alpha.getattr(1, Attr.GETATTR_ALL).mode(), "alpha sees its own device");
            assertEquals(Errno.ENXIO, refused(alpha, new TMessage.Tlopen(1, O_RDONLY)));

            for (String name : List.of("mem", "pipe")) {
                List<Qid> walked = beta.walk(0, 1, name);
                assertEquals(Qid.QTFILE, walked.getFirst().type(), name);
                Attr attr = beta.getattr(1, Attr.GETATTR_ALL);
                assertEquals(
                        S_IFREG | 0600, attr.mode(), name + " shown to beta as " + Integer.toOctalString(attr.mode()));
                assertEquals(0, attr.rdev(), name);
                assertEquals(DT_REG, entry(beta, name).type(), name);
                assertEquals(
                        Errno.EPERM,
                        refused(
                                beta,
                                new TMessage.Tsetattr(
                                        1,
                                        new io.p9gate.gateway.proto.SetAttr(
                                                io.p9gate.gateway.proto.SetAttr.SETATTR_MODE,
                                                0644,
                                                0,
                                                0,
                                                0,
                                                0,
                                                0,
                                                0,
                                                0))),
                        "beta may not chmod the host file of alpha's " + name + " (its mapping would end)");
                beta.lopen(1, O_RDONLY);
                assertEquals(0, beta.read(1, 0, 100).length, "beta opens the empty host file");
                beta.clunk(1);
            }
            assertTrue(
                    records.stream()
                            .anyMatch(e -> e.request().vm().equals("beta")
                                    && e.request().operation() == Operation.OPEN
                                    && e.decision().allowed()),
                    "beta's open is recorded as any open");
        }
        try (AutoCloseable _ = served(share);
                P9Client beta = P9Client.connect(UnixDomainSocketAddress.of(tmp.resolve("beta.sock")), 65536)) {
            beta.version(65536, "9P2000.u");
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "mem");
            Stat stat = ((RMessage.Rstat) beta.rpc(new TMessage.Tstat(1))).stat();
            assertEquals(0, stat.common().mode() & Stat.DMDEVICE, "9P2000.u shows beta no device");
            assertTrue(
                    !stat.unix().orElseThrow().extension().startsWith("c "),
                    stat.unix().get().extension());
        }
    }

    /**
     * A 9P2000.u Twstat is all or nothing (stat(5)): beta's wstat of alpha's device with a new name and a mode was
     * renamed, then its Tsetattr refused the mode (EPERM, the mapping would end), leaving alpha's device renamed
     * under an Rerror. The refusal is now made before the rename.
     */
    @Test
    void anotherVmsDeviceIsNotRenamedByAWstatWhoseModeIsRefused() throws Exception {
        Path share = share();
        try (AutoCloseable _ = served(share);
                P9Client alpha = attached("alpha");
                P9Client beta = P9Client.connect(UnixDomainSocketAddress.of(tmp.resolve("beta.sock")), 65536)) {
            alpha.rpc(new TMessage.Tmknod(0, "mem", S_IFCHR | 0666, 1, 1, 0));
            beta.version(65536, "9P2000.u");
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "mem");
            assertEquals(
                    Errno.EPERM,
                    refused(
                            beta,
                            io.p9gate.gateway.proto.Wstats.unix(
                                    1, io.p9gate.gateway.proto.Wstats.common(0644, "moved", -1, -1, -1L, ""), -1, -1)));
            assertTrue(Files.exists(share.resolve("mem")), "alpha's device was renamed by beta's refused wstat");
            assertTrue(Files.notExists(share.resolve("moved")));
            alpha.walk(0, 2, "mem");
            assertEquals(S_IFCHR | 0666, alpha.getattr(2, Attr.GETATTR_ALL).mode(), "still alpha's device");
        }
    }

    @Test
    void aMappingThatNamesNoVmIsADeviceToNone() throws Exception {
        Path share = share();
        Path old = share.resolve("old");
        Files.createFile(old, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        HostXattrs.set(old, "user.p9gate.device", "c 1 1 0666".getBytes(StandardCharsets.US_ASCII));
        try (AutoCloseable _ = served(share)) {
            for (String vm : List.of("alpha", "beta")) {
                try (P9Client guest = attached(vm)) {
                    guest.walk(0, 1, "old");
                    assertEquals(S_IFREG, guest.getattr(1, Attr.GETATTR_ALL).mode() & S_IFMT, vm);
                }
            }
        }
    }

    /** A gateway serving {@code share} to alpha and beta; closing it closes its share servers too. */
    private AutoCloseable served(Path share) throws Exception {
        ShareServerFactory shares = PolicyServed.shares(policy(share), trail());
        try {
            Gateway gateway = Gateway.start(new GatewayConfig(
                    PolicyListeners.of(policy(share).current()), shares, GatewayConfig.DEFAULT_MSIZE, 2));
            return () -> {
                try (shares;
                        gateway) {}
            };
        } catch (Exception | Error e) {
            shares.close();
            throw e;
        }
    }

    private Path share() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(share, PosixFilePermissions.fromString("rwxr-xr-x"));
        return share;
    }

    private PolicyHolder policy(Path share) throws Exception {
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, """
                image: devices
                vms:
                  alpha:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                    shares:
                      data: {path: %s, access: read-write, devices: mapped}
                  beta:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                    shares:
                      data: {path: %s, access: read-write, devices: mapped}
                """.formatted(tmp.resolve("alpha.sock"), share, tmp.resolve("beta.sock"), share));
        return PolicyHolder.load(file);
    }

    private AuditTrail trail() {
        return entry -> {
            records.add(entry);
            return records.size();
        };
    }

    private P9Client attached(String vm) throws Exception {
        P9Client client = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve(vm + ".sock")), 65536);
        client.attach(0, "root", "data", 0);
        return client;
    }

    private static DirEntry entry(P9Client guest, String name) throws Exception {
        guest.walk(0, 9);
        guest.lopen(9, O_RDONLY);
        try {
            return guest.readdir(9, 0, 8192).stream()
                    .filter(e -> e.name().equals(name))
                    .findFirst()
                    .orElseThrow();
        } finally {
            guest.clunk(9);
        }
    }

    private static Errno refused(P9Client guest, TMessage request) {
        return assertThrows(P9Exception.class, () -> guest.rpc(request), request.toString())
                .errno();
    }
}
