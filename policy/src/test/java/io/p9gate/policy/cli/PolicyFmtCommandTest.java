package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13: {@code policy fmt [--check] FILE...} for the YAML and the Cedar files. */
class PolicyFmtCommandTest {

    @TempDir
    Path dir;

    private static final String MESSY_YAML = """
            # Share policy of a test image.
            image:    t


            vms:
                vm1:   # the only VM
                    listen: unix:/run/p9gate/vm1.sock
                    shares:
                        data:
                            path: /srv/p9gate/data   \s
                            # everything below /maps is read-only
                            read-only:
                            -   /maps
                            rules:
                                -   {effect: allow, ops: [CREATE], paths: [/tmp/*]}
                                -   effect: deny
                                    ops: [REMOVE]
                                    paths:
                                    - /tmp/keep
            # end
            """;

    private static final String CANONICAL_YAML = """
            # Share policy of a test image.
            image: t

            vms:
              vm1:   # the only VM
                listen: unix:/run/p9gate/vm1.sock
                shares:
                  data:
                    path: /srv/p9gate/data
                    # everything below /maps is read-only
                    read-only:
                      - /maps
                    rules:
                      - {effect: allow, ops: [CREATE], paths: [/tmp/*]}
                      - effect: deny
                        ops: [REMOVE]
                        paths:
                          - /tmp/keep
            # end
            """;

    private static final String MESSY_CEDAR = """
            // refuse guest root
            @id("no-root")   forbid(principal,action,resource) when {context.uid==0}; // trailing
            """;

    @Test
    void checkNamesTheUnformattedFilesExitsOneAndChangesNothing() throws Exception {
        Path yaml = Files.writeString(dir.resolve("p.yaml"), MESSY_YAML);
        Path cedar = Files.writeString(dir.resolve("x.cedar"), MESSY_CEDAR);
        Path done = Files.writeString(dir.resolve("done.yaml"), CANONICAL_YAML);
        CliRun r = CliRun.of("fmt", "--check", yaml.toString(), cedar.toString(), done.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals(yaml + "\n" + cedar + "\n", r.out());
        assertEquals(MESSY_YAML, Files.readString(yaml));
        assertEquals(MESSY_CEDAR, Files.readString(cedar));
    }

    @Test
    void fmtRewritesInTheCanonicalLayoutKeepingComments() throws Exception {
        Path yaml = Files.writeString(dir.resolve("p.yaml"), MESSY_YAML);
        Path cedar = Files.writeString(dir.resolve("x.cedar"), MESSY_CEDAR);
        CliRun r = CliRun.of("fmt", yaml.toString(), cedar.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(CANONICAL_YAML, Files.readString(yaml));
        assertEquals("""
                // refuse guest root
                @id("no-root")
                forbid (principal, action, resource)
                when { context.uid == 0 }; // trailing
                """, Files.readString(cedar));
        CliRun again = CliRun.of("fmt", "--check", yaml.toString(), cedar.toString());
        assertEquals(0, again.exit(), again.out() + again.err());
        assertEquals("", again.out());
    }

    /**
     * A file that is no policy (a scalar, a list, nothing) is refused and left byte for byte: before, {@code x} was
     * rewritten {@code x\n}, exit 0, and named as formatted.
     */
    @Test
    void aFileThatIsNoPolicyIsRefusedAndLeftAsItIs() throws Exception {
        for (String text : new String[] {"x", "- a\n-   b\n", "\n\n# only a comment\n\n"}) {
            Path file = Files.writeString(dir.resolve("not-a-policy.yaml"), text);
            CliRun r = CliRun.of("fmt", file.toString());
            assertEquals(1, r.exit(), text + ": " + r.out() + r.err());
            assertEquals("", r.out(), text);
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(
                    r.err().startsWith("p9gate policy fmt: error: " + file + ": cannot format: not a policy"), r.err());
            assertEquals(text, Files.readString(file), "changed");
        }
    }

    @Test
    void aFileThatCannotBeFormattedIsRefusedInOneLineAndLeftAlone() throws Exception {
        String broken = "image: t\nvms: [unclosed\n";
        Path bad = Files.writeString(dir.resolve("bad.yaml"), broken);
        String literal = "image: t\nnote: |\n    keep   \n    these spaces\n";
        Path block = Files.writeString(dir.resolve("block.yaml"), literal);
        Path good = Files.writeString(dir.resolve("good.yaml"), "image:   t\n");
        CliRun r = CliRun.of("fmt", bad.toString(), block.toString(), good.toString());
        assertEquals(1, r.exit());
        assertEquals(2, r.err().lines().count(), r.err());
        assertTrue(
                r.err()
                        .lines()
                        .anyMatch(l ->
                                l.startsWith("p9gate policy fmt: error: " + bad + ":") && l.contains("cannot format")),
                r.err());
        assertTrue(
                r.err().lines().anyMatch(l -> l.startsWith("p9gate policy fmt: error: " + block + ": cannot format: ")),
                r.err());
        assertEquals(broken, Files.readString(bad));
        assertEquals(literal, Files.readString(block));
        assertEquals("image: t\n", Files.readString(good), "the other files are still formatted");
    }

    /**
     * A policy is often a link into the image's tree (/etc/p9gate/policy.yaml -> /opt/...): fmt replaced the link
     * with a formatted copy, so the image's file stayed unformatted and the link was gone.
     */
    @Test
    void aSymbolicLinkIsFollowedNotReplaced() throws Exception {
        Path real =
                Files.writeString(Files.createDirectories(dir.resolve("image")).resolve("p.yaml"), MESSY_YAML);
        Path link = Files.createSymbolicLink(dir.resolve("policy.yaml"), real);
        CliRun r = CliRun.of("fmt", link.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertEquals(CANONICAL_YAML, Files.readString(real));
    }

    /**
     * {@code sudo p9gate policy fmt /etc/p9gate/policy.yaml} on a file of the gateway's user, mode 0640: the new file
     * was root's, and the gateway could no longer read its policy.
     */
    @Test
    void theOwnerAndGroupAreKept() throws Exception {
        Path yaml = Files.writeString(dir.resolve("p.yaml"), MESSY_YAML);
        Assumptions.assumeTrue(
                ((Integer) Files.getAttribute(yaml, "unix:uid")) == 0, "changing a file's owner needs root");
        Files.setAttribute(yaml, "unix:uid", 4321);
        Files.setAttribute(yaml, "unix:gid", 8765);
        CliRun r = CliRun.of("fmt", yaml.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(CANONICAL_YAML, Files.readString(yaml));
        assertEquals(4321, Files.getAttribute(yaml, "unix:uid"));
        assertEquals(8765, Files.getAttribute(yaml, "unix:gid"));
    }

    /**
     * Rewriting a file where another user can create and rename entries: between the temporary file's creation and
     * its rename that user could swap it for a link to any file, which fmt (as root: chown, chmod, write) would then
     * have changed. fmt refuses there and leaves the file as it is.
     */
    @Test
    void aDirectoryAnotherUserCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path yaml = Files.writeString(shared.resolve("p.yaml"), MESSY_YAML);
        CliRun r = CliRun.of("fmt", yaml.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("another user can write"), r.err());
        assertEquals(MESSY_YAML, Files.readString(yaml), "left as it was");
    }

    /**
     * fmt renames a new file over the policy: a policy with other hard links (/etc/p9gate/policy.yaml linked into
     * the image's tree) was parted from them, and the other names kept the old text. Writing in place is no
     * answer either (a reload or a crash could meet half a policy): fmt refuses, and says so.
     */
    @Test
    void aFileWithOtherHardLinksIsRefusedAndStaysLinked() throws Exception {
        Path yaml = Files.writeString(dir.resolve("p.yaml"), MESSY_YAML);
        Path other = Files.createLink(dir.resolve("image-copy.yaml"), yaml);
        CliRun r = CliRun.of("fmt", yaml.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals(
                "p9gate policy fmt: error: " + yaml + ": cannot write: it has 2 hard links, and fmt renames a new file"
                        + " over it, which would part this name from the others (format a copy, then copy it over"
                        + " the file)\n",
                r.err());
        assertEquals("", r.out());
        assertEquals(MESSY_YAML, Files.readString(yaml));
        assertTrue(Files.isSameFile(yaml, other), "still one file");
        CliRun check = CliRun.of("fmt", "--check", yaml.toString());
        assertEquals(1, check.exit(), check.err());
        assertEquals(yaml + "\n", check.out(), "--check writes nothing, so it names it as any other");
    }

    /**
     * A key given twice formatted without complaint (exit 0) while SnakeYAML printed "WARNING: duplicate keys found"
     * with a date line, twice per key, on stderr; the policy loader refuses the file. Now one line with where.
     */
    @Test
    void aDuplicateKeyIsOneErrorLineWithItsPosition() throws Exception {
        String twice = "image: a\nvms:\n  x: {listen: unix:/a}\n  x:   {listen: unix:/b}\nimage:   b\n";
        Path yaml = Files.writeString(dir.resolve("p.yaml"), twice);
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream real = System.err;
        CliRun r;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            r = CliRun.of("fmt", yaml.toString());
        } finally {
            System.setErr(real);
        }
        assertEquals(1, r.exit(), r.err());
        assertEquals(
                "p9gate policy fmt: error: " + yaml + ":4:3: cannot format: duplicate key 'x' (first at line 3)\n",
                r.err());
        assertEquals("", stderr.toString(java.nio.charset.StandardCharsets.UTF_8), "nothing else on stderr");
        assertEquals(twice, Files.readString(yaml));
    }

    /**
     * fmt checked a key before its value, the loader after it: for a key repeated whose second value repeats a key
     * inside, fmt named the outer key (3:1) and loading the inner one (5:3). Both name the same first duplicate.
     */
    @Test
    void theDuplicateKeyNamedIsTheOneLoadingNames() throws Exception {
        String reason = refusedAsLoadingRefusesIt("a: {x: 1}\nb: 2\na:\n  y: 1\n  y: 2\n");
        assertEquals("duplicate key 'y' (first at line 4)", reason);
    }

    /** Formats {@code text} in a file, which loading and fmt refuse in one way; the file is left as it is. */
    private String refusedAsLoadingRefusesIt(String text) throws Exception {
        Path yaml = Files.writeString(dir.resolve("p.yaml"), text);
        var loading = org.junit.jupiter.api.Assertions.assertThrows(
                io.p9gate.policy.load.PolicyLoadException.class, () -> io.p9gate.policy.load.YamlTreeReader.read(yaml));
        CliRun r = CliRun.of("fmt", yaml.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals(
                "p9gate policy fmt: error: " + yaml + ":" + loading.pos().line() + ":"
                        + loading.pos().column() + ": cannot format: " + loading.reason() + "\n",
                r.err());
        assertEquals(text, Files.readString(yaml), "left as it is");
        return loading.reason();
    }

    /**
     * {@code policy check} refuses a YAML alias (an alias of a scalar loaded as the anchor's name); fmt compared data
     * loaded with aliases resolved, found it equal, and rewrote such a file, exit 0. It refuses it as loading does.
     */
    @Test
    void anAliasIsRefusedAsLoadingRefusesItAndTheFileLeftAlone() throws Exception {
        String scalar = """
                image:   t
                vms:
                  a:
                    listen: unix:/run/a.sock
                    socket: {owner: &hv root}
                    peer: {uid: *hv}
                """;
        String mapping = """
                image: t
                vms:
                  a:
                    listen:   unix:/run/a.sock
                    ids: &ids
                      uid: {squash: 1000}
                  b:
                    listen: unix:/run/b.sock
                    ids: *ids
                """;
        for (String text : new String[] {scalar, mapping}) {
            String reason = refusedAsLoadingRefusesIt(text);
            assertTrue(reason.startsWith("YAML alias"), reason);
        }
    }
}
