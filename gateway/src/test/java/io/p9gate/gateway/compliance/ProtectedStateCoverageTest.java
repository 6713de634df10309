package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.PolicyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code protect/*} covers all the state the gateway refuses at load, not only the policy file and the {@code protect:}
 * paths: the Cedar files, a {@code tls:} VM's {@code client-cert:} CA and CRL, and a {@code unix:} VM's socket. Each
 * is checked by path and by inode. Before, a hard link of the Cedar file or the CA made in a share, and a share moved
 * over the sockets' directory, left every {@code protect/*} check passing.
 */
class ProtectedStateCoverageTest {
    @TempDir
    Path tmp;

    private Map<String, CheckResult> checks(PolicyFile policy) {
        return ProtectedStateChecks.of(policy, SuiteOptions.DEFAULT_MAX_HOST_ENTRIES, line -> {}).stream()
                .collect(Collectors.toMap(CheckResult::id, Function.identity()));
    }

    private PolicyFile policy() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.createDirectories(tmp.resolve("run"));
        Files.createDirectories(tmp.resolve("share"));
        Files.writeString(state.resolve("extra.cedar"), """
                forbid (principal == P9gate::Vm::"a", action == P9gate::Action::"MKNOD", resource)
                when { context.uid == 4242 };
                """);
        Path ca = TestPki.create(tmp.resolve("pki"), "vm-ca", List.of("localhost"), Duration.ofDays(1))
                .dir()
                .resolve(TestPki.CA_CERT);
        Path file = Files.writeString(tmp.resolve("policy.yaml"), """
                image: t
                cedar: [%s]
                vms:
                  a:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                  b:
                    listen: tls:127.0.0.1:5999
                    client-cert: {ca: %s, subject: "CN=b"}
                    shares:
                      other: {path: %s, access: read-only}
                """.formatted(
                        state.resolve("extra.cedar"),
                        tmp.resolve("run/a.sock"),
                        tmp.resolve("share"),
                        ca,
                        Files.createDirectories(tmp.resolve("other"))));
        return PolicyEngine.load(file).policy();
    }

    @Test
    void everyPieceOfStateTheGatewayProtectsHasACheckThatPassesWhenNoShareReachesIt() throws Exception {
        Map<String, CheckResult> checks = checks(policy());

        for (String id : new String[] {
            "protect/policy-file",
            "protect/cedar-policy-file",
            "protect/tls-trust-file-of-vm-b",
            "protect/socket-of-vm-a"
        }) {
            assertEquals(Status.PASSED, checks.get(id).status(), () -> id + " in " + checks.keySet());
        }
    }

    @Test
    void hardLinksOfTheCedarFileAndTheCaInAShareFail() throws Exception {
        PolicyFile policy = policy();
        Files.createLink(tmp.resolve("share/c"), tmp.resolve("state/extra.cedar"));
        Files.createLink(tmp.resolve("other/ca"), tmp.resolve("pki").resolve(TestPki.CA_CERT));

        Map<String, CheckResult> checks = checks(policy);

        CheckResult cedar = checks.get("protect/cedar-policy-file");
        assertEquals(Status.FAILED, cedar.status(), cedar::toString);
        assertTrue(cedar.seen().contains(tmp.resolve("share/c").toString()), cedar::toString);
        CheckResult ca = checks.get("protect/tls-trust-file-of-vm-b");
        assertEquals(Status.FAILED, ca.status(), ca::toString);
        assertTrue(ca.seen().contains(tmp.resolve("other/ca").toString()), ca::toString);
    }

    @Test
    void aShareThatBecameTheSocketsDirectoryFails() throws Exception {
        PolicyFile policy = policy();
        Files.delete(tmp.resolve("share"));
        Files.createSymbolicLink(tmp.resolve("share"), tmp.resolve("run"));

        CheckResult socket = checks(policy).get("protect/socket-of-vm-a");

        assertEquals(Status.FAILED, socket.status(), socket::toString);
        assertTrue(socket.seen().contains("share 'data' of VM 'a'"), socket::toString);
    }
}
