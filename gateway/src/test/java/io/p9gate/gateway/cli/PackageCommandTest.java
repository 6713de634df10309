package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.certs.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate package} refuses what it must not ship (issue 9 item 1): a policy that does not load or fails
 * {@code policy check --strict} is not packaged (one line, exit 1, nothing written). The full packaging run is
 * {@code PackageAcceptanceIT}; here the application is a stand-in, so each test stops before jlink.
 */
class PackageCommandTest {
    @TempDir
    Path dir;

    Path out;
    Path app;

    @BeforeEach
    void standInApplication() throws Exception {
        out = dir.resolve("out");
        app = Files.createDirectories(dir.resolve("app/lib"));
        app = app.getParent();
        try (var jar =
                new JarOutputStream(Files.newOutputStream(app.resolve("p9gate-gateway-9.9.jar")), new Manifest())) {
            jar.flush(); // no Implementation-Version: packaging stops there, after the policy checks
        }
    }

    private Path policy(String shares) throws Exception {
        return policy(dir, shares);
    }

    /** DIR/policy.yaml: image infotainment, one VM on a unix socket with these shares (PackageStopAttackTest too). */
    static Path policy(Path dir, String shares) throws Exception {
        return Files.writeString(dir.resolve("policy.yaml"), """
                image: infotainment
                protect: {keys: /etc/p9gate/keys, audit: /var/lib/p9gate/audit}
                vms:
                  infotainment:
                    listen: unix:/run/p9gate/infotainment.sock
                    shares:
                %s""".formatted(shares.indent(6)));
    }

    private CliRun packageIt(Path policy, String... options) {
        List<String> args = new ArrayList<>(
                List.of("package", "--policy", policy.toString(), "--out", out.toString(), "--app", app.toString()));
        args.addAll(List.of(options));
        return CliRun.of(args.toArray(String[]::new));
    }

    private void assertNotPackaged(CliRun run, String why) {
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertTrue(run.err().contains(why), run.err());
        assertFalse(Files.exists(out), "nothing is written");
    }

    @Test
    void aPolicyThatFailsTheStrictCheckIsNotPackaged() throws Exception {
        Files.createDirectories(dir.resolve("maps/secret"));
        Path policy = policy("""
                maps:
                  path: %s
                  access: read-write
                  hidden: [/secret]
                  rules: [{id: shadowed, effect: deny, ops: [CREATE], paths: ["/secret/*.sh"]}]
                """.formatted(dir.resolve("maps")));
        assertNotPackaged(packageIt(policy), "lies inside hidden /secret");
        assertTrue(packageIt(policy).err().contains("policy check --strict fails: not packaged"));
    }

    /**
     * The packaged unit runs serve --profile production, which refuses a plain TCP listener and a socket every host
     * user may connect to without a peer: such a policy is refused here, on the build host. Before, it was packaged
     * and signed, and the gateway never started on the ECU.
     */
    @Test
    void aPolicyTheProductionProfileRefusesIsNotPackaged() throws Exception {
        Path share = Files.createDirectories(dir.resolve("srv"));
        for (String listen : List.of(
                "listen: tcp:127.0.0.1:5640", "listen: unix:/run/p9gate/b.sock\n    socket: {mode: \"0666\"}")) {
            Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                    image: infotainment
                    protect: {keys: /etc/p9gate/keys, audit: /var/lib/p9gate/audit}
                    vms:
                      b:
                        %s
                        shares: {data: {path: %s, access: read-only}}
                    """.formatted(listen, share));
            CliRun run = packageIt(policy);
            assertNotPackaged(run, "policy.yaml:5:");
            assertTrue(run.err().contains("production profile"), run.err());
        }
    }

    @Test
    void aPolicyThatDoesNotLoadIsNotPackaged() throws Exception {
        Path policy = policy("maps: {path: /srv/maps, access: sideways}\n");
        assertNotPackaged(packageIt(policy), "policy.yaml:7:");
    }

    @Test
    void shareDirectoriesMissingOnTheBuildHostDoNotStopIt() throws Exception {
        Path policy = policy("maps: {path: /srv/p9gate/nowhere/maps, access: read-write}\n");
        CliRun run = packageIt(policy);
        assertNotPackaged(run, "no Implementation-Version"); // got past the policy checks to the application
    }

    /**
     * A SIGKILL (the OOM killer, a CI runner's hard stop) during a run's write or commit leaves its files in --out:
     * NAME.RANDOM.partial, and NAME.RANDOM.earlier, an earlier package's file kept aside (its only copy, where its name
     * is missing or holds a newer file). The next run said nothing of them, and no run removes them. It now names them,
     * at once, and only them: it deletes none, as it cannot tell its own from another user's of the same name.
     */
    @Test
    void filesAKilledRunLeftInOutAreNamedAndKept() throws Exception {
        Files.createDirectories(out);
        String name = "p9gate-infotainment-9.9-linux-x86_64";
        List<String> left = List.of(name + ".manifest.1x2y3z.partial", name + ".tar.gz.k3j2h1abc.earlier");
        List<String> others = List.of(
                name + ".tar.gz",
                name + ".tar.gz.earlier",
                name + ".tar.gz.K3J2.earlier",
                name + ".tar.gz.k3j2.earlier.bak",
                "notes.k3j2.earlier",
                "p9gate-\u001b[2J.tar.gz.k3j2.earlier",
                "p9gate-x.img.k3j2.partial");
        for (String file : left) {
            Files.writeString(out.resolve(file), "left\n");
        }
        for (String file : others) {
            Files.writeString(out.resolve(file), "not ours\n");
        }

        CliRun run = packageIt(policy("maps: {path: /srv/p9gate/nowhere/maps, access: read-write}\n"));

        List<String> warnings = run.err()
                .lines()
                .filter(l -> l.startsWith("p9gate package: warning: ") && l.contains(".earlier"))
                .toList();
        assertEquals(1, warnings.size(), run.err());
        for (String file : left) {
            assertTrue(warnings.getFirst().contains(file), run.err());
            assertTrue(Files.exists(out.resolve(file)), "kept: " + file);
        }
        for (String file : others) {
            assertFalse(
                    warnings.getFirst().contains(" " + file + ",")
                            || warnings.getFirst().contains(" " + file + " ("),
                    file);
            assertTrue(Files.exists(out.resolve(file)), "kept: " + file);
        }
    }

    @Test
    void theUnitNeedsToKnowTheAuditLog() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                image: t
                vms:
                  v:
                    listen: unix:/run/p9gate/v.sock
                    shares: {s: {path: /srv/s, access: read-only}}
                """);
        assertNotPackaged(packageIt(policy), "set protect.audit and protect.keys in the policy");
    }

    @Test
    void anAuditDirectoryInsideAShareIsNotPackaged() throws Exception {
        Path policy = policy("maps: {path: /srv/p9gate/maps, access: read-write}\n");
        CliRun run = CliRun.of(
                "package",
                "--policy",
                policy.toString(),
                "--out",
                out.toString(),
                "--app",
                app.toString(),
                "--audit-dir",
                "/srv/p9gate/maps/audit");
        assertNotPackaged(run, "R-POL-9");
        assertTrue(run.err().contains("audit directory"), run.err());
    }

    @Test
    void withoutPolicyAndOutItIsAUsageError() {
        CliRun run = CliRun.of("package", "--out", out.toString());
        assertEquals(Main.EXIT_USAGE, run.code());
        assertTrue(run.err().contains("give --policy FILE and --out DIR"), run.err());
    }

    /** An --out that is a file failed after the 15 s jlink with only its path: "p9gate package: error: FILE". */
    @Test
    void anOutThatIsAFileIsAUsageErrorBeforeAnythingIsBuilt() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun run = CliRun.of(
                "package",
                "--policy",
                policy("maps: {path: /srv/p9gate/maps}\n").toString(),
                "--out",
                file.toString(),
                "--app",
                app.toString());
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertTrue(run.err().contains("--out " + file + " is not a directory"), run.err());
    }

    /** A package takes 20-60 s, most in jlink: before, nothing was said until it had finished. */
    @Test
    void withProgressEachStepIsSaidOnStderrAsItBegins() throws Exception {
        Path policy = policy("maps: {path: /srv/p9gate/nowhere/maps, access: read-write}\n");
        CliRun run = CliRun.of(
                "package",
                "--policy",
                policy.toString(),
                "--out",
                out.toString(),
                "--app",
                app.toString(),
                "--progress");

        List<String> lines = run.err().lines().toList();
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertEquals(3, lines.size(), run.err());
        assertTrue(
                lines.get(0).matches("p9gate package: +\\d+\\.\\d s: checking the policy \\Q" + policy + "\\E .*"),
                run.err());
        assertTrue(
                lines.get(1).matches("p9gate package: +\\d+\\.\\d s: reading the application in \\Q" + app + "\\E"),
                run.err());
        assertTrue(lines.get(2).startsWith("p9gate package: error: "), run.err());
        assertTrue(run.out().isEmpty(), "stdout keeps the summary only: " + run.out());
    }

    /**
     * The unit has ProtectHome=yes and PrivateTmp=yes: a share under /home, /root or /run/user is out of the
     * service's reach and one under /tmp or /var/tmp is the service's own empty /tmp, so serve exits 75 at every
     * start; a socket there is where the hypervisor cannot see it. It was packaged without a word.
     */
    @Test
    void pathsTheUnitsSandboxHidesAreWarnedOfWithTheReason() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                image: infotainment
                protect: {keys: /etc/p9gate/keys, audit: /var/lib/p9gate/audit}
                vms:
                  infotainment:
                    listen: unix:/tmp/vm/infotainment.sock
                    shares:
                      maps: {path: /home/x, access: read-write}
                      media: {path: /srv/media, access: read-only}
                """);
        CliRun run = packageIt(policy);

        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        List<String> warnings = run.err()
                .lines()
                .filter(l -> l.startsWith("p9gate package: warning: "))
                .toList();
        assertEquals(2, warnings.size(), run.err());
        assertTrue(warnings.get(0).contains("VM 'infotainment' share 'maps' path /home/x"), run.err());
        assertTrue(warnings.get(0).contains("ProtectHome=yes"), run.err());
        assertTrue(warnings.get(1).contains("VM 'infotainment' socket /tmp/vm/infotainment.sock"), run.err());
        assertTrue(warnings.get(1).contains("PrivateTmp=yes"), run.err());
        assertTrue(run.err().contains("no Implementation-Version"), "a warning, not a refusal: " + run.err());
    }

    /**
     * A tls: listener's client-cert ca: and crl: are files serve reads at start and at every reload: under /tmp or
     * /home the sandbox hides them as it hides a share there, and they were packaged without a word.
     */
    @Test
    void aTlsListenersCaAndCrlTheUnitsSandboxHidesAreWarnedOf() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "VM CA", List.of(), Duration.ofDays(1));
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        Path crl = pki.dir().resolve(TestPki.CA_CRL);
        assertTrue(ca.startsWith("/tmp"), "the test's files are where PrivateTmp=yes hides them: " + ca);
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                image: infotainment
                protect: {keys: /etc/p9gate/keys, audit: /var/lib/p9gate/audit}
                vms:
                  infotainment:
                    listen: tls:0.0.0.0:5640
                    client-cert: {ca: %s, subject: "CN=a", crl: %s}
                    shares:
                      media: {path: /srv/media, access: read-only}
                """.formatted(ca, crl));
        CliRun run = packageIt(policy);

        List<String> warnings = run.err()
                .lines()
                .filter(l -> l.startsWith("p9gate package: warning: "))
                .toList();
        assertEquals(2, warnings.size(), run.err());
        assertTrue(warnings.get(0).contains("VM 'infotainment' client-cert ca " + ca), run.err());
        assertTrue(warnings.get(0).contains("PrivateTmp=yes"), run.err());
        assertTrue(warnings.get(1).contains("VM 'infotainment' client-cert crl " + crl), run.err());
        assertTrue(warnings.get(1).contains("PrivateTmp=yes"), run.err());
    }

    /** A build output without lib/ was said with the JDK's words, the path alone: "cannot read APP/lib (…): APP/lib". */
    @Test
    void anApplicationWithoutItsLibrariesIsSaidAsTheOtherCommandsSayAFile() throws Exception {
        Files.delete(app.resolve("lib"));
        CliRun run = packageIt(policy("maps: {path: /srv/p9gate/maps, access: read-write}\n"));
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertEquals(
                "p9gate package: error: " + app.resolve("lib")
                        + ": no such file or directory (the gateway's runtime dependencies, from mvn package)\n",
                run.err());
    }

    /**
     * A --sign key that group or others can read is bad input the operator gave, as serve's --audit-key says it (exit
     * 2, docs/cli.md): package said it after checking the policy and reading the application, exit 1, a failed build.
     */
    @Test
    void aSigningKeyOthersCanReadIsBadInput() throws Exception {
        Path key = dir.resolve("sign.key");
        KeyFiles.writeKeyPair(SigningKey.generate("p9gate-release", new SecureRandom()), key, dir.resolve("sign.pub"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        CliRun run =
                packageIt(policy("maps: {path: /srv/p9gate/maps, access: read-write}\n"), "--sign", key.toString());
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertEquals(
                "p9gate package: error: private key " + key + " is accessible by group or others (rw-r--r--);"
                        + " chmod 600 it (see 'p9gate package --help')\n",
                run.err());
        assertFalse(Files.exists(out), "nothing is written");
    }
}
