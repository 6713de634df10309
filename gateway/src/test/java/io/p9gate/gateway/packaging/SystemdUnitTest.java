package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.cli.Main;
import io.p9gate.policy.PolicyEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit a package ships (issue 9 item 2): its sandbox follows the policy, and {@code systemd-analyze verify}
 * accepts it. The verify test skips, saying why, only where systemd-analyze is absent ({@code .ci/run} installs
 * Debian's systemd).
 */
class SystemdUnitTest {
    static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");

    @TempDir
    Path dir;

    private PolicyEngine policy(String socket) throws Exception {
        return policyListening("unix:" + socket);
    }

    /** The infotainment VM on {@code listen} (the listener line and any keys that go with it). */
    private PolicyEngine policyListening(String listen) throws Exception {
        for (String d : List.of("media", "maps", "logs")) {
            Files.createDirectories(dir.resolve("srv").resolve(d));
        }
        Path file = Files.writeString(dir.resolve("policy.yaml"), """
                image: infotainment
                protect: {keys: /etc/p9gate/keys, audit: /var/lib/p9gate/audit}
                vms:
                  infotainment:
                    listen: %s
                    shares:
                      media: {path: %s/srv/media, access: read-only}
                      maps: {path: %s/srv/maps, access: read-write}
                      logs:
                        path: %s/srv/logs
                        rules: [{effect: allow, ops: [CREATE], paths: ["/vm/**"]}]
                """.formatted(listen, dir, dir, dir));
        return PolicyEngine.load(file);
    }

    private static SystemdUnit.Settings budgeted(Packager.AuditBudget budget) {
        SystemdUnit.Settings usual = settings("/opt/p9gate", "/var/lib/p9gate/audit");
        return new SystemdUnit.Settings(
                usual.image(), usual.version(), usual.prefix(), usual.auditDir(), usual.auditKey(), budget);
    }

    private static SystemdUnit.Settings settings(String prefix, String auditDir) {
        return new SystemdUnit.Settings(
                "infotainment", "1.0+t", prefix, auditDir, "/etc/p9gate/keys/audit.key", Packager.AuditBudget.DEFAULT);
    }

    private static String line(String unit, String key) {
        return unit.lines().filter(l -> l.startsWith(key + "=")).findFirst().orElse(key + " missing");
    }

    /**
     * A share on a disk mounted late: serve exits {@link Main#EXIT_RETRY} (a missing share directory; systemd's
     * own sandbox set-up fails the same way, status 226/NAMESPACE), and the unit must restart it until the disk is
     * there. Before, {@code RestartPreventExitStatus=2} covered it, and systemd's default 100 ms restarts hit its
     * start limit (5 starts in 10 s) within a second: the gateway stayed down for good.
     */
    @Test
    void aShareNotThereYetIsRestartedUntilItIs() throws Exception {
        String unit = SystemdUnit.render(
                policy("/run/p9gate/infotainment.sock"), settings("/opt/p9gate", "/var/lib/p9gate/audit"));
        assertEquals("Restart=on-failure", line(unit, "Restart"));
        List<String> prevented =
                Arrays.asList(line(unit, "RestartPreventExitStatus").split("[= ]"));
        assertFalse(prevented.contains(String.valueOf(Main.EXIT_RETRY)), unit);
        assertEquals("RestartSec=5s", line(unit, "RestartSec"), "5 starts take 20 s, over StartLimitIntervalSec=10s");
    }

    @Test
    void onlyWritableSharesAndTheAuditLogAreWritable() throws Exception {
        String unit = SystemdUnit.render(
                policy("/run/p9gate/infotainment.sock"), settings("/opt/p9gate", "/var/lib/p9gate/audit"));
        assertEquals(
                "ReadWritePaths=" + dir + "/srv/logs " + dir + "/srv/maps",
                line(unit, "ReadWritePaths"),
                "maps is read-write, logs writable through an allow rule");
        assertEquals("ReadOnlyPaths=" + dir + "/srv/media", line(unit, "ReadOnlyPaths"), "access: read-only");
        assertEquals("StateDirectory=p9gate/audit", line(unit, "StateDirectory"), "systemd makes the audit dir");
        assertEquals("RuntimeDirectory=p9gate", line(unit, "RuntimeDirectory"), "the socket's directory");
        assertTrue(
                line(unit, "ExecStart")
                        .startsWith("ExecStart=/opt/p9gate/bin/p9gate serve --profile production "
                                + "--policy /opt/p9gate/etc/p9gate/policy.yaml"),
                unit);
        assertTrue(
                line(unit, "ExecStart")
                        .contains("--audit-dir /var/lib/p9gate/audit --audit-key /etc/p9gate/keys/audit.key"
                                + " --audit-max-bytes 2147483648 --audit-min-free 268435456 "),
                "the default audit disk budget: " + unit);
        assertFalse(unit.matches("(?s).*@[A-Z_]+@.*"), "every placeholder filled: " + unit);
    }

    @Test
    void unixSocketsOnlyMeanNoNetworkAtAll() throws Exception {
        String unit = SystemdUnit.render(
                policy("/run/p9gate/infotainment.sock"), settings("/opt/p9gate", "/var/lib/p9gate/audit"));
        assertEquals("PrivateNetwork=yes", line(unit, "PrivateNetwork"));
        assertEquals("RestrictAddressFamilies=AF_UNIX", line(unit, "RestrictAddressFamilies"));
        assertEquals("IPAddressDeny=any", line(unit, "IPAddressDeny"));
        assertFalse(line(unit, "ExecStart").contains("--tls-cert"), unit);
        assertTrue(
                line(unit, "ExecStart").contains(" --metrics unix:/run/p9gate/metrics.sock"),
                "metrics on a unix socket in the runtime directory, which AF_UNIX alone allows: " + unit);
    }

    @Test
    void aTlsListenerOpensTheInetFamiliesAndPassesTheGatewaysCertificate() throws Exception {
        String unit = SystemdUnit.render(
                policyListening("tls:0.0.0.0:5643\n    client-cert: {sha256: \"" + "ab".repeat(32) + "\"}"),
                settings("/opt/p9gate", "/var/lib/p9gate/audit"));
        assertEquals("PrivateNetwork=no", line(unit, "PrivateNetwork"));
        assertEquals("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", line(unit, "RestrictAddressFamilies"));
        assertTrue(unit.lines().noneMatch(l -> l.startsWith("IPAddressDeny")), "no empty IPAddressDeny=: " + unit);
        assertTrue(
                line(unit, "ExecStart")
                        .endsWith(" --tls-cert /etc/p9gate/keys/server-cert.pem --tls-key "
                                + "/etc/p9gate/keys/server-key.pem"),
                unit);
        assertFalse(unit.matches("(?s).*@[A-Z_]+@.*"), "every placeholder filled: " + unit);
    }

    @Test
    void aVsockListenerAddsAfVsock() throws Exception {
        String unit = SystemdUnit.render(policyListening("vsock:5"), settings("/opt/p9gate", "/var/lib/p9gate/audit"));
        assertEquals("RestrictAddressFamilies=AF_UNIX AF_VSOCK", line(unit, "RestrictAddressFamilies"));
        assertEquals("PrivateNetwork=yes", line(unit, "PrivateNetwork"), "vsock is not the network namespace's");
    }

    @Test
    void setuidAndSetgidOnlyForAShareWhoseHostPermissionsAreEnforced() throws Exception {
        PolicyEngine guest = policy("/run/p9gate/infotainment.sock");
        assertEquals(
                "CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE",
                line(
                        SystemdUnit.render(guest, settings("/opt/p9gate", "/var/lib/p9gate/audit")),
                        "CapabilityBoundingSet"));
        Path enforced = Files.writeString(
                dir.resolve("policy.yaml"),
                Files.readString(dir.resolve("policy.yaml"))
                        .replace("access: read-write}", "access: read-write, permissions: enforce}")
                        // enforce needs guest nobody (65534) mapped
                        .replace(
                                "    shares:\n",
                                "    ids: {uid: {ranges: [{guest: 0, host: 100000, count: 65536}]},"
                                        + " gid: {ranges: [{guest: 0, host: 100000, count: 65536}]}}\n    shares:\n"));
        assertEquals(
                "CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_SETUID CAP_SETGID",
                line(
                        SystemdUnit.render(
                                PolicyEngine.load(enforced), settings("/opt/p9gate", "/var/lib/p9gate/audit")),
                        "CapabilityBoundingSet"));
    }

    @Test
    void directoriesOutsideRunAndVarLibMustBeWritableInPlace() throws Exception {
        String unit = SystemdUnit.render(policy(dir + "/sockets/vm.sock"), settings("/opt/p9gate", "/data/audit"));
        List<String> writable = List.of(line(unit, "ReadWritePaths")
                .substring("ReadWritePaths=".length())
                .split(" "));
        assertTrue(writable.contains("/data/audit"), unit);
        assertTrue(writable.contains(dir + "/sockets"), unit);
        assertTrue(unit.lines().noneMatch(l -> l.startsWith("StateDirectory=")), "no empty StateDirectory=: " + unit);
    }

    @Test
    void theAuditDiskBudgetIsTheOnePackagedAndAPackageWithoutOneIsRefused() throws Exception {
        PolicyEngine engine = policy("/run/p9gate/a.sock");
        String unit = SystemdUnit.render(engine, budgeted(new Packager.AuditBudget(0, 1L << 30)));
        assertTrue(line(unit, "ExecStart").contains("audit.key --audit-min-free 1073741824 --pid-file"), unit);
        PackagingException none = assertThrows(
                PackagingException.class, () -> SystemdUnit.render(engine, budgeted(new Packager.AuditBudget(0, 0))));
        assertTrue(none.getMessage().contains("needs a disk budget"), none.getMessage());
    }

    @Test
    void aPathTheUnitCannotSayIsRefused() throws Exception {
        PolicyEngine engine = policy("/run/p9gate/a.sock");
        PackagingException e = assertThrows(
                PackagingException.class,
                () -> SystemdUnit.render(engine, settings("/opt/p9 gate", "/var/lib/p9gate/audit")));
        assertTrue(e.getMessage().contains("'/opt/p9 gate'"), e.getMessage());
        assertThrows(
                PackagingException.class, () -> SystemdUnit.render(engine, settings("/opt/p9gate", "/var/lib/100%")));
    }

    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        assumeTrue(
                Files.isExecutable(SYSTEMD_ANALYZE),
                "systemd-analyze is not installed (Debian: apt-get install systemd; .ci/run installs it)");
        Path prefix = Files.createDirectories(dir.resolve("opt/bin"));
        Files.writeString(prefix.resolve("p9gate"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(prefix.resolve("p9gate"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path unit = Files.writeString(
                dir.resolve("p9gate.service"),
                SystemdUnit.render(
                        policy("/run/p9gate/infotainment.sock"), settings(dir + "/opt", "/var/lib/p9gate/audit")));
        assertEquals("", verify(unit));
        Path tls = Files.writeString(
                dir.resolve("p9gate-tls.service"),
                SystemdUnit.render(
                        policyListening("tls:0.0.0.0:5643\n    client-cert: {sha256: \"" + "ab".repeat(32) + "\"}"),
                        settings(dir + "/opt", "/var/lib/p9gate/audit")));
        assertEquals("", verify(tls), "the unit of a tls: listener");
    }

    /** {@code systemd-analyze verify UNIT}: its complaints (empty when it accepts the unit). */
    static String verify(Path unit) throws Exception {
        Process p = new ProcessBuilder(SYSTEMD_ANALYZE.toString(), "verify", unit.toString())
                .directory(unit.getParent().toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("systemd-analyze verify hung");
        }
        return p.exitValue() == 0 ? output : "exit " + p.exitValue() + ": " + output;
    }
}
