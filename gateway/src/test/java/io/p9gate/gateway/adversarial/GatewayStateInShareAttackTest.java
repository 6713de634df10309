package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.cli.Main;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.ServedPolicyCheck;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.protect.StatePath;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 9 (R-POL-9): the gateway's own state reachable from a guest. {@code serve} accepted
 * {@code --audit-key} and {@code --audit-dir} inside a guest-writable share unless the policy's {@code protect:}
 * named them (then {@code policy explain} even allowed reading the private key), and the policy's own check
 * compared paths only, so a bind mount of the state's directory passed. Now every way of serving refuses,
 * without any configuration, a share that is, contains or lies inside the state: by path, after symlinks, and
 * through bind mounts (of the state's directory, of a single file, or mounted inside the share).
 */
class GatewayStateInShareAttackTest {
    @TempDir
    Path tmp;

    private final List<Path> mounts = new ArrayList<>();
    private Path plainFile;

    private record Run(int code, String err) {}

    @BeforeEach
    void unbindableListener() throws Exception {
        // A listener path that is a plain file cannot be bound: a serve that gets that far returns at once.
        plainFile = Files.createFile(tmp.resolve("not-a-socket"));
    }

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts.reversed()) {
            run("umount", m.toString());
        }
    }

    private static Run p9gate(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), err.toString());
    }

    private static void assertRefused(Run run, int code, String... fragments) {
        assertEquals(code, run.code(), run.err());
        assertEquals(1, run.err().strip().split("\n").length, "one line: " + run.err());
        for (String f : fragments) {
            assertTrue(run.err().contains(f), "'" + f + "' in: " + run.err());
        }
        assertTrue(run.err().contains("R-POL-9"), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    /** A policy with one VM, one read-write share at {@code share}, and nothing in {@code protect:}. */
    private Path policy(Path share) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("etc"));
        return Files.writeString(dir.resolve("policy.yaml"), """
                image: t
                vms:
                  vm:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(plainFile, share));
    }

    private Run servePolicy(Path policy, SignedLogs logs, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "serve",
                "--policy",
                policy.toString(),
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString()));
        args.addAll(List.of(more));
        return p9gate(args.toArray(String[]::new));
    }

    private Run serveShare(Path share, SignedLogs logs) {
        return p9gate(
                "serve",
                "--share",
                "a=" + share,
                "--listen",
                "unix:" + plainFile,
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString());
    }

    @Test
    void theSigningKeyInsideAShareIsRefusedWithoutAnyProtectEntry() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        SignedLogs logs = SignedLogs.in(share); // share/keys/audit.key, share/audit
        assertRefused(
                servePolicy(policy(share), logs),
                Main.EXIT_FAILURE,
                "share 'data' of VM 'vm'",
                "contains the audit signing key " + logs.privateKey);
        assertFalse(Files.exists(logs.dir), "refused before the log is created inside the share");
    }

    @Test
    void withoutAPolicyTheAuditDirectoryInsideAShareIsRefused() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path share = logs.dir.getParent(); // holds keys/ and audit/
        assertRefused(
                serveShare(share, logs),
                Main.EXIT_USAGE,
                "share 'a' (" + share + ")",
                "contains the audit signing key");
    }

    @Test
    void aShareInsideTheAuditDirectoryIsRefused() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path share = Files.createDirectories(logs.dir.resolve("guest"));
        assertRefused(
                servePolicy(policy(share), logs), Main.EXIT_FAILURE, "lies inside the audit directory " + logs.dir);
        assertRefused(serveShare(share, logs), Main.EXIT_USAGE, "lies inside the audit directory " + logs.dir);
    }

    @Test
    void aSymlinkedShareDirectoryIsFollowedToTheState() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path share = Files.createSymbolicLink(tmp.resolve("innocent"), logs.privateKey.getParent());
        assertRefused(
                servePolicy(policy(share), logs),
                Main.EXIT_FAILURE,
                "contains the audit signing key " + logs.privateKey,
                "after resolving symlinks");
    }

    @Test
    void thePidFileInsideAShareIsRefused() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        assertRefused(
                servePolicy(
                        policy(share),
                        logs,
                        "--pid-file",
                        share.resolve("p9gate.pid").toString()),
                Main.EXIT_FAILURE,
                "contains the pid file " + share.resolve("p9gate.pid"));
    }

    @Test
    void theStatesDirectoryBindMountedAsTheShareIsRefused() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        bind(logs.privateKey.getParent(), share);
        assertRefused(
                servePolicy(policy(share), logs),
                Main.EXIT_FAILURE,
                "share 'data' of VM 'vm'",
                "contains the audit signing key " + logs.privateKey);
        assertRefused(serveShare(share, logs), Main.EXIT_USAGE, "contains the audit signing key");
    }

    @Test
    void aShareBindMountedFromInsideTheAuditDirectoryIsRefused() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path inside = Files.createDirectories(logs.dir.resolve("sub"));
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        bind(inside, share);
        assertRefused(
                servePolicy(policy(share), logs), Main.EXIT_FAILURE, "lies inside the audit directory " + logs.dir);
    }

    @Test
    void aMountInsideTheShareThatShowsTheStateIsRefused() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path public_ = Files.createFile(share.resolve("audit.pub"));
        bind(logs.publicKey, public_); // a single file: the guest could replace the verifier's key
        assertRefused(
                servePolicy(policy(share), logs),
                Main.EXIT_FAILURE,
                "reaches the audit public key " + logs.publicKey + " through the mount at " + public_);
    }

    @Test
    void policyCheckRefusesAShareThatIsThePolicysDirectoryMountedAgain() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path policy = policy(share);
        assertEquals(0, p9gate("policy", "check", policy.toString()).code());
        Path other = Files.createDirectories(tmp.resolve("srv/other"));
        bind(policy.getParent(), other);
        Files.writeString(policy, Files.readString(policy).replace(share.toString(), other.toString()));
        Run check = p9gate("policy", "check", policy.toString());
        assertEquals(1, check.code(), check.err());
        assertTrue(check.err().contains("contains the policy file " + policy), check.err());
    }

    @Test
    void aReloadThatWouldLetAShareReachTheStateIsRefusedAndTheOldPolicyKept() throws Exception {
        SignedLogs logs = SignedLogs.in(Files.createDirectories(tmp.resolve("state")));
        Path share = Files.createDirectories(tmp.resolve("srv/data"));
        Path policy = policy(share);
        PolicyHolder holder = PolicyHolder.load(
                policy,
                new ServedPolicyCheck(
                        List.of(
                                new StatePath("audit signing key", logs.privateKey),
                                new StatePath("audit directory", logs.dir)),
                        OwnershipMode.CHOWN,
                        ThisProcess.INSTANCE));
        String served = holder.current().digest();

        Files.writeString(
                policy,
                Files.readString(policy)
                        .replace(share.toString(), logs.dir.getParent().toString()));
        PolicyHolder.ReloadResult result = new PolicyReloader(holder).reload();
        PolicyHolder.ReloadResult.Kept kept = assertInstanceOf(PolicyHolder.ReloadResult.Kept.class, result);
        assertTrue(kept.reason().contains("contains the audit signing key " + logs.privateKey), kept.reason());
        assertEquals(served, holder.current().digest(), "the old policy stays");
    }

    /** Bind-mounts {@code source} on {@code target} for this test (needs root; skipped otherwise). */
    private void bind(Path source, Path target) throws Exception {
        assumeTrue(
                run("mount", "--bind", source.toString(), target.toString()) == 0,
                "bind mounts need root (CAP_SYS_ADMIN)");
        mounts.add(target);
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
