package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest and its signature (issue 9 item 1): an extracted tree that is what was packaged verifies; any
 * changed byte, mode, link, missing or extra file, or a manifest not signed by the given key, does not.
 */
class ManifestTest {
    @TempDir
    Path dir;

    Path root;
    Path publicKey;
    Path otherPublicKey;

    @BeforeEach
    void packagedTree() throws Exception {
        root = Files.createDirectories(dir.resolve("opt"));
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("etc/p9gate"));
        Path launcher = Files.writeString(root.resolve("bin/p9gate"), "#!/bin/sh\n");
        Path policy = Files.writeString(root.resolve("etc/p9gate/policy.yaml"), "image: t\n");
        Files.createSymbolicLink(root.resolve("bin/LICENSE"), Path.of("p9gate"));
        chmod(root.resolve("bin"), "rwxr-xr-x");
        chmod(root.resolve("etc"), "rwxr-xr-x");
        chmod(root.resolve("etc/p9gate"), "rwx------");
        chmod(launcher, "rwxr-xr-x");
        chmod(policy, "rw-------");
        List<TreeEntry> entries = List.of(
                new TreeEntry.Directory("bin", 0755),
                new TreeEntry.Symlink("bin/LICENSE", "p9gate"),
                new TreeEntry.RegularFile("bin/p9gate", 0755, launcher),
                new TreeEntry.Directory("etc", 0755),
                new TreeEntry.Directory("etc/p9gate", 0700),
                new TreeEntry.RegularFile("etc/p9gate/policy.yaml", 0600, policy));
        Map<String, String> header = new LinkedHashMap<>();
        Manifest.KEYS.forEach(k -> header.put(k, k + "-value"));
        String manifest = Manifest.write(header, List.of("io.p9gate:p9gate-gateway 1.0 lib/g.jar"), entries);
        Files.writeString(root.resolve(Manifest.FILE), manifest);

        SigningKey key = SigningKey.generate("ecu-release", new SecureRandom());
        KeyFiles.writeKeyPair(key, dir.resolve("release.key"), dir.resolve("release.pub"));
        publicKey = dir.resolve("release.pub");
        Files.writeString(root.resolve(ManifestSignature.FILE), ManifestSignature.sign(manifest, key));
        SigningKey other = SigningKey.generate("ecu-release", new SecureRandom());
        KeyFiles.writeKeyPair(other, dir.resolve("other.key"), dir.resolve("other.pub"));
        otherPublicKey = dir.resolve("other.pub");
    }

    private static void chmod(Path p, String mode) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private List<String> problems(Path... keys) throws Exception {
        return InstalledPackage.verify(root, List.of(keys)).problems();
    }

    @Test
    void theTreeAsPackagedVerifiesWithItsSignature() throws Exception {
        InstalledPackage.Report report = InstalledPackage.verify(root, List.of(publicKey));
        assertEquals(List.of(), report.problems());
        assertEquals("verified", report.signature());
        assertEquals(6, report.entries());
        assertEquals("image-value", report.header().get("image"));
    }

    @Test
    void aChangedByteModeOrLinkIsFound() throws Exception {
        Files.writeString(root.resolve("etc/p9gate/policy.yaml"), "image: u\n");
        chmod(root.resolve("bin/p9gate"), "rwxrwxrwx");
        Files.delete(root.resolve("bin/LICENSE"));
        Files.createSymbolicLink(root.resolve("bin/LICENSE"), Path.of("/etc/shadow"));
        List<String> problems = problems();
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("bin/LICENSE: not a link to p9gate"), problems.toString());
        assertTrue(problems.get(1).startsWith("bin/p9gate: mode 0777, manifest says 0755"), problems.toString());
        assertTrue(problems.get(2).startsWith("etc/p9gate/policy.yaml: content differs"), problems.toString());
    }

    @Test
    void aMissingOrExtraFileIsFound() throws Exception {
        Files.delete(root.resolve("bin/p9gate"));
        Files.writeString(root.resolve("etc/p9gate/extra.cedar"), "forbid(principal, action, resource);");
        assertEquals(List.of("bin/p9gate: missing", "etc/p9gate/extra.cedar: not in the manifest"), problems());
    }

    @Test
    void aManifestNotSignedByTheGivenKeyIsRefused() throws Exception {
        assertEquals(List.of("MANIFEST.sig: not signed by any of the given keys"), problems(otherPublicKey));
        String manifest = Files.readString(root.resolve(Manifest.FILE));
        Files.writeString(
                root.resolve(Manifest.FILE), manifest.replace("image-value", "image-forged"), StandardCharsets.UTF_8);
        assertEquals(List.of("MANIFEST.sig: the signature does not match the manifest"), problems(publicKey));
        Files.delete(root.resolve(ManifestSignature.FILE));
        assertEquals(List.of("MANIFEST.sig: missing, and a signature was required (--key)"), problems(publicKey));
    }

    @Test
    void signingIsDeterministicSoASignedPackageStaysReproducible() throws Exception {
        SigningKey key = KeyFiles.readSigningKey(dir.resolve("release.key"));
        String manifest = Files.readString(root.resolve(Manifest.FILE));
        assertEquals(ManifestSignature.sign(manifest, key), ManifestSignature.sign(manifest, key));
    }
}
