package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.Pem;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.policy.PolicyEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Once per load: a CRL past its nextUpdate is named with its date (and still used), and a directory of VM sockets
 * that another host user may change is named once, however many sockets it holds.
 */
class TransportChecksTest {
    @TempDir
    Path tmp;

    @Test
    void aCrlPastItsNextUpdateIsNamedWithItsDateOnce() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "test CA", List.of(), Duration.ofDays(365));
        Path crl = pki.dir().resolve(TestPki.CA_CRL);
        Instant next = Pem.crl(crl).getNextUpdate().toInstant();
        String tls = """
                  listen: tls:127.0.0.1:5640
                  client-cert: {ca: %s, subject: "CN=%s", crl: %s}
                  shares: {s: {path: %s, access: read-only}}
                """;
        PolicyEngine engine = policy("a:\n" + tls.formatted(pki.dir().resolve(TestPki.CA_CERT), "a", crl, share())
                + "b:\n" + tls.formatted(pki.dir().resolve(TestPki.CA_CERT), "b", crl, share()));
        TransportChecks checks = new TransportChecks();

        assertEquals(List.of(), warnings(checks, engine, next.minusSeconds(1)));
        assertEquals(Map.of(crl.toString(), next), checks.crlNextUpdates(), "the gauge's value");

        List<String> stale = warnings(checks, engine, next.plusSeconds(1));
        assertEquals(1, stale.size(), "one line per CRL file, not per VM: " + stale);
        assertTrue(stale.getFirst().startsWith("CRL " + crl + " is past its nextUpdate " + next), stale.getFirst());
        assertTrue(stale.getFirst().contains("still used"), stale.getFirst());
    }

    @Test
    void aSocketDirectoryOthersCanChangeIsNamedOnce() throws Exception {
        Path open = dir("open", "rwxrwxrwx", false);
        Path sticky = dir("sticky", "rwxrwxrwx", true);
        Path own = dir("own", "rwxr-xr-x", false);
        Path foreign = dir("foreign", "rwxr-xr-x", false);
        Files.setAttribute(foreign, "unix:uid", 54321); // a user other than root and the gateway's
        StringBuilder vms = new StringBuilder();
        int n = 0;
        for (Path d : List.of(open, open, sticky, own, foreign)) {
            vms.append("v%d:\n  listen: unix:%s/v%d.sock\n  shares: {s: {path: %s, access: read-only}}\n"
                    .formatted(n, d, n, share()));
            n++;
        }
        List<String> lines = warnings(new TransportChecks(), policy(vms.toString()), Instant.now());
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("Unix socket directory " + open + ": mode rwxrwxrwx"), lines.get(0));
        assertTrue(lines.get(0).contains("without the sticky bit"), lines.get(0));
        assertTrue(
                lines.get(1).startsWith("Unix socket directory " + foreign + ": it is owned by 54321"), lines.get(1));
    }

    /**
     * A directory above the socket's that others may write (no sticky bit) lets them rename the socket's directory
     * away and put one of their own, with their socket, where the VM's QEMU connects: named once, as above.
     */
    @Test
    void aDirectoryAboveTheSocketsThatOthersCanChangeIsNamedOnce() throws Exception {
        Path open = dir("open", "rwxrwxrwx", false);
        Path inner = Files.createDirectories(open.resolve("inner"));
        Path deeper = Files.createDirectories(inner.resolve("deeper"));
        Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(deeper, PosixFilePermissions.fromString("rwxr-xr-x"));
        String vms =
                "a:\n  listen: unix:%s/a.sock\n  shares: {s: {path: %s, access: read-only}}\n".formatted(inner, share())
                        + "b:\n  listen: unix:%s/b.sock\n  shares: {s: {path: %s, access: read-only}}\n"
                                .formatted(deeper, share());
        List<String> lines = warnings(new TransportChecks(), policy(vms), Instant.now());
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(
                lines.getFirst()
                        .startsWith(
                                "Directory " + open + " above the Unix socket directory " + inner + ": mode rwxrwxrwx"),
                lines.getFirst());
        assertTrue(lines.getFirst().contains("put a socket of their own"), lines.getFirst());
    }

    /**
     * A {@code peer:} account this host does not know: every connection of the VM is refused. Before, serve started
     * and said nothing of it (only {@code policy check} did), and the operator learnt it from refused hypervisors.
     */
    @Test
    void aPeerAccountUnknownHereIsNamedAtItsName() throws Exception {
        Path own = dir("own", "rwxr-xr-x", false);
        List<String> lines = warnings(
                new TransportChecks(),
                policy(
                        "a:\n  listen: unix:%s/a.sock\n  peer: {uid: no-such-user-p9gate}\n  shares: {s: {path: %s, access: read-only}}\n"
                                .formatted(own, share())),
                Instant.now());
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(
                lines.getFirst()
                        .matches("\\S+policy\\.yaml:\\d+:\\d+: VM 'a' peer: uid: no user 'no-such-user-p9gate' on"
                                + " this host: every connection of the VM is refused"),
                lines.getFirst());
    }

    private Path dir(String name, String mode, boolean sticky) throws Exception {
        Path d = Files.createDirectory(tmp.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
        if (sticky) {
            Files.setAttribute(d, "unix:mode", (Integer) Files.getAttribute(d, "unix:mode") | 01000);
        }
        return d;
    }

    private Path share() throws Exception {
        return Files.createDirectories(tmp.resolve("share"));
    }

    private PolicyEngine policy(String vms) throws Exception {
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(
                file,
                "image: test\nvms:\n" + vms.lines().map(l -> "  " + l + "\n").reduce("", String::concat));
        return PolicyEngine.load(file);
    }

    private static List<String> warnings(TransportChecks checks, PolicyEngine engine, Instant now) {
        List<String> lines = new ArrayList<>();
        checks.check(engine, now, lines::add);
        return lines;
    }
}
