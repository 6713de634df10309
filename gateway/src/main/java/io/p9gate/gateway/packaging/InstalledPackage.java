package io.p9gate.gateway.packaging;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SmallFile;
import io.p9gate.audit.note.VerifierKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code p9gate package verify}: an extracted or installed package checked against its manifest, and the
 * manifest against its signature: every entry present with its mode, content and link target, nothing extra.
 */
public final class InstalledPackage {
    /** The outcome; {@code problems} empty means the tree is exactly what was packaged (and signed, if asked). */
    public record Report(Map<String, String> header, int entries, List<String> problems, String signature) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private static final String NOT_A_PACKAGE = " (not an extracted p9gate package)";

    /** 64 MiB: a manifest lists a few hundred files; a bound, as every file a user names is read with one. */
    private static final int MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

    private InstalledPackage() {}

    /** The manifest's header (image, version, java, ...) of the package installed at {@code root}, if it is one. */
    public static Optional<Map<String, String>> header(Path root) {
        try {
            return Optional.of(Manifest.parse(Files.readString(root.resolve(Manifest.FILE), StandardCharsets.UTF_8))
                    .header());
        } catch (IOException | PackagingException e) {
            return Optional.empty();
        }
    }

    /** @param keys the public keys a signature must verify against; empty: the signature is not checked */
    public static Report verify(Path root, List<Path> keyFiles)
            throws PackagingException, NotAPackageException, IOException, KeyFormatException {
        // Before the package: a key that is not there or no key was found only where a signature is, exit 1 as if
        // the package differed from its manifest (BadInputExitCodeTest).
        List<VerifierKey> keys = new ArrayList<>();
        for (Path k : keyFiles) {
            keys.add(KeyFiles.readVerifierKey(k));
        }
        String manifest = manifestText(root);
        Manifest.Parsed parsed = Manifest.parse(manifest);
        List<String> problems = new ArrayList<>();
        String signature = signature(root, manifest, keys, problems);
        problems.addAll(Manifest.differences(parsed, root));
        return new Report(parsed.header(), parsed.entries().size(), problems, signature);
    }

    /**
     * The manifest, read only from a directory's regular file: a FIFO given as the package was said in the JDK's words
     * ({@code FIFO/MANIFEST: Not a directory}), and a FIFO as its MANIFEST held the command in open(2) for ever.
     */
    private static String manifestText(Path root) throws NotAPackageException, IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(root, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NotAPackageException(FileReason.missing(root));
        }
        if (!a.isDirectory()) {
            String why = a.isRegularFile() ? FileReason.NOT_A_DIRECTORY : FileReason.notRegular(a);
            throw new NotAPackageException(FileReason.said(root, why) + NOT_A_PACKAGE);
        }
        Path file = root.resolve(Manifest.FILE);
        try {
            return new String(SmallFile.read(file, MAX_MANIFEST_BYTES), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NotAPackageException("no " + Manifest.FILE + " in " + root + NOT_A_PACKAGE);
        } catch (SmallFile.UnfitException e) {
            throw new NotAPackageException(FileReason.said(file, e.getMessage()) + NOT_A_PACKAGE);
        }
    }

    private static String signature(Path root, String manifest, List<VerifierKey> keys, List<String> problems)
            throws PackagingException, IOException {
        Path file = root.resolve(ManifestSignature.FILE);
        if (keys.isEmpty()) {
            return Files.exists(file) ? "present, not checked (give --key)" : "none";
        }
        if (!Files.exists(file)) {
            problems.add(ManifestSignature.FILE + ": missing, and a signature was required (--key)");
            return "missing";
        }
        SignedNote.Trust trust =
                ManifestSignature.check(manifest, Files.readString(file, StandardCharsets.UTF_8), keys);
        switch (trust) {
            case VERIFIED -> {}
            case BAD_SIGNATURE -> problems.add(ManifestSignature.FILE + ": the signature does not match the manifest");
            case UNKNOWN_KEY -> problems.add(ManifestSignature.FILE + ": not signed by any of the given keys");
        }
        return trust == SignedNote.Trust.VERIFIED ? "verified" : "NOT verified";
    }
}
