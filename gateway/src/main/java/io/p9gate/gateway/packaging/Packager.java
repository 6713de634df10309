package io.p9gate.gateway.packaging;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.lint.LintFinding;
import io.p9gate.policy.lint.Linter;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyValidator;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.ProtectedPaths;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.protect.StatePath;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code p9gate package} (R-DEP-2, issue 9 item 1): one self-contained tarball per ECU image, built on the build
 * host. Layout under the install prefix: {@code bin/p9gate} (launcher), {@code runtime/} (jlink), {@code lib/}
 * (jars, and the native libraries of Cedar and Netty in {@code lib/native}), {@code share/p9gate/guest/p9gate-mount} (the static guest helper), {@code etc/p9gate/policy.yaml} (+ its Cedar files), {@code systemd/p9gate.service}, {@code MANIFEST}
 * and, signed, {@code MANIFEST.sig}. The same inputs give the same bytes: entries sorted, fixed modes, owner
 * 0:0, one mtime ({@code SOURCE_DATE_EPOCH}, else 0), gzip without name or time. A policy that fails
 * {@code policy check --strict} is not packaged.
 */
public final class Packager {
    static final String POLICY = "etc/p9gate/policy.yaml";
    static final String UNIT = "systemd/p9gate.service";
    static final String LAUNCHER_TEMPLATE = "bin/p9gate-packaged";
    /** The guest helper, for copying into a VM image: a guest runs it, never the ECU. */
    static final String GUEST_HELPER = "share/p9gate/guest/p9gate-mount";

    private static final int DIR_MODE = 0755;
    private static final int PRIVATE_DIR_MODE = 0700;
    private static final int FILE_MODE = 0644;
    private static final int EXEC_MODE = 0755;
    private static final int PRIVATE_FILE_MODE = 0600;

    /**
     * What to package.
     *
     * @param appDir        the gateway module's build output (jar + lib/)
     * @param signKey       private key signing the manifest (read by the command: a bad one is bad input), or null
     * @param versionSuffix appended to the application version, or null
     * @param prefix        where the tree is installed on the target (paths in the unit)
     * @param auditDir      the audit log directory on the target, or null for the policy's protect.audit
     * @param auditKey      the audit key file on the target, or null for protect.keys/audit.key
     * @param auditBudget   the audit log's disk budget the unit gives serve
     * @param mtime         every entry's modification time, in seconds
     */
    public record Request(
            Path policy,
            Path outDir,
            Path appDir,
            SigningKey signKey,
            String versionSuffix,
            String prefix,
            String auditDir,
            String auditKey,
            AuditBudget auditBudget,
            long mtime) {}

    /**
     * {@code serve --audit-max-bytes} and {@code --audit-min-free} in the unit (0: not given). The production profile
     * refuses to serve without one of them: with neither, a guest's records could fill the ECU's disk.
     */
    public record AuditBudget(long maxBytes, long minFree) {
        /** 2 GiB of log at most, and 256 MiB left free on its file system. */
        public static final AuditBudget DEFAULT = new AuditBudget(2L << 30, 256L << 20);

        public AuditBudget {
            if (maxBytes < 0 || minFree < 0) {
                throw new IllegalArgumentException("an audit disk budget is positive, or 0 for none");
            }
        }
    }

    /** What was written. */
    public record Result(
            Path tarball,
            String sha256,
            long bytes,
            int entries,
            String image,
            String version,
            boolean signed,
            List<String> hostWarnings) {}

    /**
     * Told each step as it begins: a package takes 20-60 s, most of it in jlink, and a command that says nothing
     * for that long looks hung.
     */
    @FunctionalInterface
    public interface Steps {
        Steps NONE = step -> {};

        void begin(String step);
    }

    private Packager() {}

    public static Result build(Request request) throws PackagingException, IOException {
        return build(request, Steps.NONE, warning -> {});
    }

    /** @param warnings told each path the unit's sandbox hides from the service, when found (before jlink) */
    public static Result build(Request request, Steps steps, Consumer<String> warnings)
            throws PackagingException, IOException {
        warnOfFilesAKilledRunLeft(request.outDir(), warnings);
        steps.begin("checking the policy " + request.policy() + " (policy check --strict, production profile)");
        PolicyEngine engine = load(request.policy());
        List<String> hostWarnings = checkStrict(engine);
        checkProductionListeners(engine.policy());
        String image = SafeNames.requireSafe("image", engine.policy().image());
        String suffix = request.versionSuffix() == null ? "" : SafeNames.requireSafeSuffix(request.versionSuffix());
        AuditPaths audit = auditPaths(engine.policy().protectedPaths(), request);
        checkStateOutsideShares(engine, audit);
        SystemdUnit.hiddenBySandbox(engine, request.prefix(), audit.dir(), audit.key())
                .forEach(warnings);
        steps.begin("reading the application in " + request.appDir());
        Application app = Application.find(request.appDir());
        String version = app.version() + suffix;
        SystemdUnit.Settings unit = new SystemdUnit.Settings(
                image, version, request.prefix(), audit.dir(), audit.key(), request.auditBudget());
        String unitText = SystemdUnit.render(engine, unit); // before jlink: a path the unit cannot say fails fast
        SigningKey key = request.signKey();
        String name = "p9gate-" + image + "-" + version + "-linux-" + arch();

        try (StagingDirectory scratch = new StagingDirectory()) {
            Path staging = scratch.root();
            List<TreeEntry> entries = stage(scratch, engine, app, unitText, steps);
            steps.begin(key == null ? "writing the manifest" : "writing and signing the manifest");
            Map<String, String> header = new LinkedHashMap<>();
            header.put("image", image);
            header.put("version", version);
            header.put("p9gate", app.version());
            header.put("java", RuntimeImage.javaVersion());
            header.put("modules", String.join(",", RuntimeImage.MODULES));
            header.put("prefix", unit.prefix());
            header.put("policy", engine.digest() + " " + POLICY);
            List<String> components = new ArrayList<>();
            for (Path jar : app.jars()) {
                components.add(Components.of(jar, "lib/" + jar.getFileName()));
            }
            String manifest = Manifest.write(header, components, entries);
            Path manifestFile = Files.writeString(staging.resolve(Manifest.FILE), manifest, StandardCharsets.UTF_8);
            entries.add(new TreeEntry.RegularFile(Manifest.FILE, FILE_MODE, manifestFile));
            String signature = key == null ? null : ManifestSignature.sign(manifest, key);
            if (signature != null) {
                Path signatureFile =
                        Files.writeString(staging.resolve(ManifestSignature.FILE), signature, StandardCharsets.UTF_8);
                entries.add(new TreeEntry.RegularFile(ManifestSignature.FILE, FILE_MODE, signatureFile));
            }
            entries.sort(Comparator.naturalOrder());
            steps.begin("writing " + request.outDir().resolve(name + ".tar.gz") + " (" + entries.size() + " entries)");
            Path tarball =
                    publish(request.outDir(), name, entries, manifest, signature, request.mtime(), steps, warnings);
            return new Result(
                    tarball,
                    Manifest.sha256(tarball),
                    Files.size(tarball),
                    entries.size(),
                    image,
                    version,
                    key != null,
                    hostWarnings);
        }
    }

    /**
     * A run killed in its write or commit (SIGKILL) leaves its files in --out, said at once: none is removed, as an
     * earlier package's file kept aside may be its only copy, and a file of that name may be another user's.
     */
    private static void warnOfFilesAKilledRunLeft(Path outDir, Consumer<String> warnings) {
        // A package's name is of SafeNames' characters: no other name, nor a terminal's control character, is said.
        List<String> left = PackageOutputs.leftByAKilledRun(
                outDir, "p9gate-[A-Za-z0-9._+~-]+\\.(?:tar\\.gz|manifest|manifest\\.sig)");
        if (!left.isEmpty()) {
            warnings.accept(outDir + " holds files a killed package run left (or one running now): "
                    + String.join(", ", left)
                    + " (a .partial file is unfinished; an .earlier file is an earlier package's, kept aside in a"
                    + " killed commit: rename it back onto its name to keep that package, or delete it once a run"
                    + " has written the new one; no run removes them)");
        }
    }

    private static PolicyEngine load(Path policy) throws PackagingException {
        try {
            return PolicyEngine.load(policy.toAbsolutePath().normalize());
        } catch (PolicyLoadException e) {
            throw new PackagingException(e.pos() + ": " + e.reason() + " (not packaged)", e);
        }
    }

    /**
     * {@code policy check --strict}: any lint finding refuses the policy, except those about this host's
     * directories (the share directories exist on the ECU, not on the build host); those are returned.
     */
    private static List<String> checkStrict(PolicyEngine engine) throws PackagingException {
        List<LintFinding> findings = Linter.lint(engine.policy());
        for (LintFinding finding : findings) {
            if (!finding.aboutThisHost()) {
                throw new PackagingException(finding + " (policy check --strict fails: not packaged)");
            }
        }
        return findings.stream().map(LintFinding::toString).toList();
    }

    /**
     * What the packaged unit's {@code serve --profile production} refuses in the policy's own listeners (R-DEP-4,
     * docs/deploy.md "The production profile"), refused here so that no package is shipped whose gateway cannot
     * start. The files' modes and owners are the ECU's, checked there at start.
     */
    private static void checkProductionListeners(PolicyFile policy) throws PackagingException {
        for (VmPolicy vm : policy.vms().values()) {
            Optional<String> why = switch (vm.listen()) {
                case ListenerSpec.Tcp tcp
                when tcp.device() == null ->
                    Optional.of("listens on plain TCP " + tcp.describe() + ": anyone reaching the address would be"
                            + " the VM; use tls:HOST:PORT, unix:PATH or tcp:HOST:PORT%DEVICE");
                case ListenerSpec.UnixSocket unix
                when unix.openToEveryHostUser() ->
                    Optional.of(
                            "has socket " + unix.describe() + " with mode 0"
                                    + Integer.toOctalString(unix.socket().mode()) + " and no peer: any host user could"
                                    + " connect and be the VM; drop the others' bits or name the hypervisor's peer: {uid, gid}");
                case ListenerSpec.Tcp tcp -> Optional.empty();
                case ListenerSpec.UnixSocket unix -> Optional.empty();
                case ListenerSpec.Tls tls -> Optional.empty();
                case ListenerSpec.Vsock vsock -> Optional.empty();
            };
            if (why.isPresent()) {
                throw new PackagingException(vm.pos() + ": VM '" + vm.id() + "' " + why.get()
                        + " (the unit serves in the production profile, which refuses it: not packaged)");
            }
        }
    }

    /** Where the audit log and its signing key are on the target. */
    private record AuditPaths(String dir, String key) {}

    /** The options, else the policy's protect: paths. */
    private static AuditPaths auditPaths(ProtectedPaths protect, Request request) throws PackagingException {
        String auditDir = request.auditDir() != null
                ? request.auditDir()
                : protect.auditDir() != null ? protect.auditDir().toString() : null;
        String auditKey = request.auditKey() != null
                ? request.auditKey()
                : protect.keyDir() != null
                        ? protect.keyDir().resolve("audit.key").toString()
                        : null;
        if (auditDir == null || auditKey == null) {
            throw new PackagingException(
                    "the production unit needs the audit log's directory and key: set protect.audit "
                            + "and protect.keys in the policy, or give --audit-dir and --audit-key");
        }
        return new AuditPaths(auditDir, auditKey);
    }

    /**
     * R-POL-9 for the paths the unit will run with (the policy load checked the policy's own): as far as the build
     * host can tell, i.e. by path; serve checks again on the ECU, where the directories exist.
     */
    private static void checkStateOutsideShares(PolicyEngine engine, AuditPaths audit) throws PackagingException {
        List<StatePath> state = List.of(
                new StatePath("audit directory", Path.of(audit.dir())),
                new StatePath("audit signing key", Path.of(audit.key())),
                new StatePath("pid file", Path.of(SystemdUnit.PID_FILE)),
                new StatePath("metrics socket", MetricsAddress.PACKAGED_SOCKET));
        try {
            PolicyValidator.checkShares(engine.policy(), state);
        } catch (PolicyLoadException e) {
            throw new PackagingException(e.pos() + ": " + e.reason() + " (not packaged)", e);
        }
    }

    /** Builds the generated parts in {@code staging} and lists every entry of the tree. */
    private static List<TreeEntry> stage(
            StagingDirectory scratch, PolicyEngine engine, Application app, String unit, Steps steps)
            throws PackagingException, IOException {
        Map<String, TreeEntry> tree = new TreeMap<>();
        Path staging = scratch.root();
        Path runtime = staging.resolve("runtime");
        steps.begin("linking the Java runtime (jlink " + String.join(",", RuntimeImage.MODULES) + "; 20-60 s)");
        RuntimeImage.link(runtime, scratch);
        steps.begin("adding " + app.jars().size() + " jars, native libraries, bin/p9gate, the unit and the policy");
        addTree(tree, runtime, "runtime");
        for (Path jar : app.jars()) {
            add(tree, new TreeEntry.RegularFile("lib/" + jar.getFileName(), FILE_MODE, jar));
        }
        for (Path library :
                NativeLibraries.extract(app.jars(), arch(), Files.createDirectory(staging.resolve("native")))) {
            add(tree, new TreeEntry.RegularFile(NativeLibraries.DIR + "/" + library.getFileName(), FILE_MODE, library));
        }
        String classpath = String.join(
                ":",
                app.jars().stream()
                        .map(jar -> "$P9GATE_HOME/lib/" + jar.getFileName())
                        .toList());
        Path launcher = Files.writeString(
                staging.resolve("p9gate"),
                Templates.read(LAUNCHER_TEMPLATE).replace("@CLASSPATH@", classpath),
                StandardCharsets.UTF_8);
        add(tree, new TreeEntry.RegularFile("bin/p9gate", EXEC_MODE, launcher));
        add(tree, new TreeEntry.RegularFile(GUEST_HELPER, EXEC_MODE, app.guestHelper()));
        Path unitFile = Files.writeString(staging.resolve("p9gate.service"), unit, StandardCharsets.UTF_8);
        add(tree, new TreeEntry.RegularFile(UNIT, FILE_MODE, unitFile));
        Path policy = engine.policy().source();
        add(tree, new TreeEntry.RegularFile(POLICY, PRIVATE_FILE_MODE, policy));
        for (Path cedar : engine.policy().cedarFiles()) {
            Path relative = policy.getParent().relativize(cedar);
            if (relative.startsWith("..")) {
                throw new PackagingException("Cedar file " + cedar + " is not beside the policy (below "
                        + policy.getParent() + "): it could not be found at the same place after installing");
            }
            add(tree, new TreeEntry.RegularFile("etc/p9gate/" + relative, PRIVATE_FILE_MODE, cedar));
        }
        tree.put("etc/p9gate", new TreeEntry.Directory("etc/p9gate", PRIVATE_DIR_MODE));
        return new ArrayList<>(tree.values());
    }

    /** Adds an entry and, where missing, its parent directories (mode 0755). */
    private static void add(Map<String, TreeEntry> tree, TreeEntry entry) {
        tree.put(entry.path(), entry);
        for (Path parent = Path.of(entry.path()).getParent(); parent != null; parent = parent.getParent()) {
            tree.putIfAbsent(parent.toString(), new TreeEntry.Directory(parent.toString(), DIR_MODE));
        }
    }

    /** A directory tree as built (jlink's output): modes are normalised to 0755/0644 by the owner's x bit. */
    private static void addTree(Map<String, TreeEntry> tree, Path root, String as) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted().toList()) {
                String path = as + (p.equals(root) ? "" : "/" + root.relativize(p));
                if (Files.isSymbolicLink(p)) {
                    add(
                            tree,
                            new TreeEntry.Symlink(
                                    path, Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p)) {
                    add(tree, new TreeEntry.Directory(path, DIR_MODE));
                } else {
                    add(tree, new TreeEntry.RegularFile(path, Files.isExecutable(p) ? EXEC_MODE : FILE_MODE, p));
                }
            }
        }
    }

    /**
     * Writes the tarball and, beside it, the copies of its manifest and signature (null: unsigned, and an earlier
     * package's signature goes), replaced together ({@link PackageOutputs}); {@code warnings} told at once that the
     * commit waits for another run's into {@code outDir}.
     */
    static Path publish(
            Path outDir,
            String name,
            List<TreeEntry> entries,
            String manifest,
            String signature,
            long mtime,
            Steps steps,
            Consumer<String> warnings)
            throws IOException {
        try (PackageOutputs outputs = new PackageOutputs(outDir, OutDirLock.Waiting.saying(warnings))) {
            outputs.add(name + ".manifest", manifest);
            if (signature == null) {
                outputs.remove(name + ".manifest.sig");
            } else {
                outputs.add(name + ".manifest.sig", signature);
            }
            outputs.add(name + ".tar.gz", out -> writeTarball(entries, mtime, out, steps));
            outputs.commit();
        }
        return outDir.resolve(name + ".tar.gz");
    }

    /** Writes the tarball, telling {@code steps} each quarter of the files archived (compressing takes ~25 s). */
    private static void writeTarball(List<TreeEntry> entries, long mtime, OutputStream out, Steps steps)
            throws IOException {
        long total = Math.max(1, TarGzWriter.fileBytes(entries));
        int[] quartersSaid = {0};
        TarGzWriter.write(entries, mtime, out, archived -> {
            int quarters = (int) (archived * 4 / total);
            if (quarters > quartersSaid[0] && quarters < 4) {
                quartersSaid[0] = quarters;
                steps.begin(String.format(
                        Locale.ROOT,
                        "  %d %% of the files compressed (%.1f of %.1f MiB)",
                        quarters * 25,
                        archived / 1048576.0,
                        total / 1048576.0));
            }
        });
    }

    /** The machine name in the tarball's name, as Debian and most tarballs spell it. */
    static String arch() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            default -> arch;
        };
    }
}
