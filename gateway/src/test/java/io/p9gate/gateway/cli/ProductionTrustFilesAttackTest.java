package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.certs.TestPki;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files {@code serve --profile production} trusts, as another host user would reach them. The profile refused a
 * policy or key that group or others may read, but took one that another user owns (mode 0600 is then theirs to
 * change), one in a directory others may write (they replace it by a rename), and a {@code client-cert:} CA file
 * anyone may write: a local user adds their own CA to it and, at the next reload, connects as any VM it pins by
 * subject. Each is now a refusal, one line and exit 2, before anything is opened.
 */
class ProductionTrustFilesAttackTest {
    private static final String CHANGEABLE = "can be changed by another host user";

    @TempDir
    Path dir;

    AcceptableProduction setup;

    @BeforeEach
    void acceptableProductionSetup() throws Exception {
        setup = AcceptableProduction.in(dir);
    }

    private static CliRun serve(String... options) {
        return AcceptableProduction.serve(options);
    }

    private void assertRefused(CliRun run, String why) {
        setup.assertRefused(run, why);
    }

    private static void giveToNobody(Path file) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a file to another user");
        UserPrincipal nobody =
                file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("65534");
        Files.setOwner(file, nobody);
    }

    @Test
    void aPolicyAnotherUserOwnsIsRefusedThoughItsModeIs0600() throws Exception {
        giveToNobody(setup.policy);
        assertRefused(serve(setup.options()), "policy " + setup.policy + " " + CHANGEABLE + " (it is owned by ");
    }

    @Test
    void aPolicyInADirectoryOthersMayWriteIsRefused() throws Exception {
        Path etc = Files.createDirectory(dir.resolve("etc"));
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path policy = Files.move(setup.policy, etc.resolve("policy.yaml"));
        List<String> options = List.of(setup.options());
        String[] moved = options.stream()
                .map(o -> o.equals(setup.policy.toString()) ? policy.toString() : o)
                .toArray(String[]::new);
        assertRefused(
                serve(moved),
                "policy " + policy + " " + CHANGEABLE + " (directory " + etc
                        + " above it: mode rwxrwxrwx lets its group or others write it, without the sticky bit");
    }

    /**
     * A key path with a ".." after a symbolic link ({@code keys/linked/../audit.key}): the kernel follows the link
     * first and opens the key above the link's target, in a directory others may write; the check tidied the path by
     * its words ({@code keys/audit.key}) and looked at the acceptable key beside the link instead. (The policy itself
     * is read from the tidied path, PolicyServe, so the check and the read agree there.)
     */
    @Test
    void anAuditKeyPathWithDotDotAfterALinkIsCheckedWhereTheKernelOpensIt() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path keys = Files.createDirectory(open.resolve("keys"));
        Path key = setup.logs.privateKey;
        Files.copy(key, keys.resolve(key.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        Path pub = key.resolveSibling("audit.pub");
        Files.copy(pub, keys.resolve(pub.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        Path link =
                Files.createSymbolicLink(key.resolveSibling("linked"), Files.createDirectory(keys.resolve("inner")));
        String written = link + "/../" + key.getFileName();
        String[] options = Stream.of(setup.options())
                .map(o -> o.equals(key.toString()) ? written : o)
                .toArray(String[]::new);
        assertRefused(
                serve(options),
                "audit key " + written + " " + CHANGEABLE + " (directory " + open
                        + " above it: mode rwxrwxrwx lets its group or others write it, without the sticky bit");
    }

    /**
     * A key reached through a chain of three symbolic links ({@code chain/audit.key} to {@code open/middle} to
     * {@code inner/last} to {@code keystore/audit.key}) whose middle link lies in a directory others may write: they
     * point the middle link at a key of their own. Only the directories of the path as written and of where it ends
     * were checked; the middle link's directory is on neither, and the start went on.
     */
    @Test
    void aKeyReachedThroughALinkInADirectoryOthersMayWriteIsRefused() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path keys = Files.createDirectory(dir.resolve("keystore"));
        Path key = setup.logs.privateKey;
        Path pub = key.resolveSibling("audit.pub");
        Path realKey = Files.copy(key, keys.resolve(key.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        Path last = Files.createSymbolicLink(
                Files.createDirectory(dir.resolve("inner")).resolve("last"), realKey);
        Path middle = Files.createSymbolicLink(open.resolve("middle"), last);
        Path chain = Files.createDirectory(dir.resolve("chain"));
        Path first = Files.createSymbolicLink(chain.resolve(key.getFileName()), middle);
        Files.copy(pub, chain.resolve(pub.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        String[] options = Stream.of(setup.options())
                .map(o -> o.equals(key.toString()) ? first.toString() : o)
                .toArray(String[]::new);
        assertRefused(
                serve(options),
                "audit key " + first + " " + CHANGEABLE + " (directory " + open
                        + " on the way to it: mode rwxrwxrwx lets its group or others write it, without the"
                        + " sticky bit");
    }

    /**
     * {@code --policy cfg/linked/../policy.yaml} is read by its tidied path, {@code cfg/policy.yaml} (PolicyServe; the
     * kernel would open {@code policy.yaml} above the link's target, here an acceptable copy), and the profile checks
     * the file read: here a link to a policy in a directory others may write, refused. (A pin: the policy's source is
     * tidied before any check.)
     */
    @Test
    void aPolicyReadByItsTidiedPathIsCheckedWhereThatPathLeads() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path read = Files.copy(setup.policy, open.resolve("policy.yaml"), StandardCopyOption.COPY_ATTRIBUTES);
        Path cfg = Files.createDirectory(dir.resolve("cfg"));
        Files.createSymbolicLink(cfg.resolve("policy.yaml"), read);
        Path target = Files.createDirectories(dir.resolve("elsewhere/inner"));
        Files.copy(setup.policy, target.resolveSibling("policy.yaml"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(cfg.resolve("linked"), target);
        String written = cfg.resolve("linked") + "/../policy.yaml";
        String[] options = Stream.of(setup.options())
                .map(o -> o.equals(setup.policy.toString()) ? written : o)
                .toArray(String[]::new);
        assertRefused(
                serve(options),
                "policy " + cfg.resolve("policy.yaml") + " " + CHANGEABLE + " (directory " + open
                        + " above it: mode rwxrwxrwx lets its group or others write it, without the sticky bit");
    }

    @Test
    void anAuditKeyAnotherUserOwnsIsRefused() throws Exception {
        giveToNobody(setup.logs.privateKey);
        assertRefused(serve(setup.options()), "audit key " + setup.logs.privateKey + " " + CHANGEABLE);
    }

    @Test
    void aClientCertificateCaOthersMayWriteIsRefused() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // The port is taken: a start the profile lets through fails at the bind instead of serving.
            AcceptableProduction.writePrivate(setup.policy, """
                    image: t
                    vms:
                      v:
                        listen: tls:127.0.0.1:%d
                        client-cert: {ca: %s, subject: "CN=v"}
                        shares:
                          s: {path: %s, access: read-write}
                    """.formatted(taken.getLocalPort(), ca, setup.share));
            String[] options = setup.options(
                    "--tls-cert",
                    pki.dir().resolve(TestPki.SERVER_CERT).toString(),
                    "--tls-key",
                    pki.dir().resolve(TestPki.SERVER_KEY).toString());

            CliRun accepted = serve(options);
            assertEquals(Main.EXIT_FAILURE, accepted.code(), "the start went on to bind: " + accepted.err());
            try (Stream<Path> opened = Files.walk(setup.logs.dir)) {
                opened.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }

            Files.setPosixFilePermissions(ca, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertRefused(
                    serve(options),
                    "client-cert file " + ca + " " + CHANGEABLE + " (mode rw-rw-rw- lets its group or others write it");
        }
    }
}
