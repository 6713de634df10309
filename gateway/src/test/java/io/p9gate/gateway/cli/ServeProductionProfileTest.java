package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --profile production} (R-DEP-4, issue 9 item 3): every development convenience is refused with
 * one line and exit 2, before anything is opened; a configuration without any of them gets past the profile.
 * Each test breaks exactly one rule of an otherwise acceptable production start.
 */
class ServeProductionProfileTest {
    @TempDir
    Path dir;

    SignedLogs logs;
    Path share;
    Path policy;
    Path notSocket;
    AcceptableProduction setup;

    @BeforeEach
    void acceptableProductionSetup() throws Exception {
        setup = AcceptableProduction.in(dir);
        logs = setup.logs;
        share = setup.share;
        notSocket = setup.notSocket;
        policy = setup.policy;
    }

    private static Path writePrivate(Path file, String text) throws Exception {
        return AcceptableProduction.writePrivate(file, text);
    }

    private static CliRun serve(String... args) {
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        return CliRun.of(all.toArray(String[]::new));
    }

    private String[] production(String... extra) {
        return setup.options(extra);
    }

    private void assertRefused(CliRun run, String why) {
        setup.assertRefused(run, why);
    }

    @Test
    void anAcceptableConfigurationGetsPastTheProfile() {
        CliRun run = serve(production());
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertTrue(run.err().contains("not a socket"), "the start went on to bind: " + run.err());
    }

    @Test
    void withoutAPolicyItRefuses() {
        assertRefused(
                serve(
                        "--profile",
                        "production",
                        "--share",
                        "s=" + share,
                        "--listen",
                        "unix:" + notSocket,
                        "--audit-dir",
                        logs.dir.toString(),
                        "--audit-key",
                        logs.privateKey.toString()),
                "--policy");
    }

    @Test
    void withoutASignedAuditLogItRefuses() {
        assertRefused(serve("--profile", "production", "--policy", policy.toString()), "signed audit log");
    }

    @Test
    void withoutADiskBudgetForTheAuditLogItRefuses() {
        assertRefused(
                serve(
                        "--profile",
                        "production",
                        "--policy",
                        policy.toString(),
                        "--audit-dir",
                        logs.dir.toString(),
                        "--audit-key",
                        logs.privateKey.toString()),
                "no disk budget for the audit log (--audit-max-bytes BYTES and/or --audit-min-free BYTES)");
        CliRun withMaxBytes = serve(
                "--profile",
                "production",
                "--policy",
                policy.toString(),
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString(),
                "--audit-max-bytes",
                "1GiB");
        assertTrue(withMaxBytes.err().contains("not a socket"), "either bound suffices: " + withMaxBytes.err());
    }

    @Test
    void aPlainTcpListenerIsRefused() {
        assertRefused(
                serve(
                        "--profile",
                        "production",
                        "--share",
                        "s=" + share,
                        "--listen",
                        "tcp:127.0.0.1:0",
                        "--audit-dir",
                        logs.dir.toString(),
                        "--audit-key",
                        logs.privateKey.toString()),
                "plain TCP listener tcp:127.0.0.1:0");
    }

    @Test
    void aTcpListenerBoundToAVmsInterfaceIsAccepted() {
        CliRun run = serve(
                "--profile",
                "production",
                "--share",
                "s=" + share,
                "--listen",
                "tcp:127.0.0.1:0%nosuchdev0",
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString());
        assertFalse(run.err().contains("plain TCP listener"), run.err());
    }

    @Test
    void metricsOtherHostsCanReachAreRefused() {
        assertRefused(
                serve(production("--metrics", "tcp:0.0.0.0:9464")),
                "metrics address tcp:0.0.0.0:9464 is reachable from other hosts");
        assertRefused(serve(production("--metrics", "tcp:192.0.2.1:9464")), "metrics address tcp:192.0.2.1:9464");
    }

    @Test
    void metricsOnLoopbackOrAUnixSocketAreAccepted() {
        for (String address : List.of("tcp:127.0.0.1:0", "unix:" + dir.resolve("metrics.sock"))) {
            CliRun run = serve(production("--metrics", address));
            assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
            assertTrue(run.err().contains("not a socket"), "the start went on to bind: " + run.err());
            assertTrue(run.out().contains("p9gate: metrics on "), run.out());
            assertFalse(Files.exists(dir.resolve("metrics.sock")), "a failed start removes its metrics socket");
        }
    }

    @Test
    void aTlsKeyOthersCanReadIsRefused() throws Exception {
        Path pki = dir.resolve("pki");
        assertEquals(0, CliRun.of("certs", "--dir", pki.toString()).code());
        Path key = pki.resolve(io.p9gate.gateway.certs.TestPki.SERVER_KEY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertRefused(
                serve(production(
                        "--tls-cert",
                        pki.resolve(io.p9gate.gateway.certs.TestPki.SERVER_CERT).toString(),
                        "--tls-key",
                        key.toString())),
                "TLS key " + key);
    }

    @Test
    void aPrivateKeyOthersCanReadIsRefused() throws Exception {
        Files.setPosixFilePermissions(logs.privateKey, PosixFilePermissions.fromString("rw-r-----"));
        assertRefused(serve(production()), "audit key " + logs.privateKey);
    }

    @Test
    void aPolicyOthersCanReadIsRefused() throws Exception {
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        assertRefused(serve(production()), "policy " + policy);
    }

    @Test
    void aHandWrittenCedarFileOthersCanReadIsRefused() throws Exception {
        Path cedar = Files.writeString(dir.resolve("extra.cedar"), """
                @id("no-root")
                forbid (principal == P9gate::Vm::"v", action == P9gate::Action::"MKDIR", resource)
                when { context.uid == 0 };
                """);
        Files.setPosixFilePermissions(cedar, PosixFilePermissions.fromString("rw-rw-r--"));
        writePrivate(policy, Files.readString(policy).replace("vms:", "cedar: [extra.cedar]\nvms:"));
        assertRefused(serve(production()), "policy " + cedar);
    }

    @Test
    void gatewayStateInsideAShareIsRefused() {
        // R-POL-9 holds in every profile (the policy load checks the paths serve runs with): one line, exit 1.
        CliRun run = serve(
                "--profile",
                "production",
                "--policy",
                policy.toString(),
                "--audit-dir",
                share.resolve("audit").toString(),
                "--audit-key",
                logs.privateKey.toString());
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertTrue(run.err().contains("audit directory") && run.err().contains("R-POL-9"), run.err());
        assertFalse(Files.exists(share.resolve("audit")), "nothing is opened");
    }

    @Test
    void everyReasonIsGivenOnTheSameLine() {
        CliRun run = serve("--profile", "production", "--share", "s=" + share, "--listen", "tcp:127.0.0.1:0");
        assertRefused(run, "--policy");
        assertTrue(run.err().contains("signed audit log") && run.err().contains("plain TCP"), run.err());
    }

    @Test
    void developmentIsTheDefaultAndKeepsServingWithoutAPolicy() {
        CliRun run = serve("--profile", "development", "--share", "s=" + share, "--listen", "unix:" + notSocket);
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertTrue(run.err().contains("not a socket"), run.err());
    }

    @Test
    void anUnknownProfileIsAUsageError() {
        CliRun run = serve("--profile", "prod", "--policy", policy.toString());
        assertEquals(Main.EXIT_USAGE, run.code());
        assertTrue(run.err().contains("--profile must be production or development"), run.err());
    }
}
