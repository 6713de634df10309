package io.p9gate.gateway.packaging;

import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.lint.SandboxHiddenPaths;
import io.p9gate.policy.model.Access;
import io.p9gate.policy.model.HostPermissions;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SharePolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The systemd unit of one package: {@code src/systemd/p9gate.service} with its placeholders filled in from the
 * policy. The sandbox follows the policy: the file system is read-only ({@code ProtectSystem=strict}) except
 * the shares a VM may write, the audit directory and the sockets' directories; shares with
 * {@code access: read-only} are read-only for the kernel too ({@code ReadOnlyPaths}, which also wins inside a
 * writable share). A directory under {@code /var/lib} or {@code /run} becomes a {@code StateDirectory} or
 * {@code RuntimeDirectory}, which systemd creates with the service's ownership; any other must exist.
 */
final class SystemdUnit {
    static final String TEMPLATE = "systemd/p9gate.service";
    private static final String RUNTIME_ROOT = "/run/";
    private static final String STATE_ROOT = "/var/lib/";
    /** What --ownership chown needs (the template says why, capability by capability). */
    static final List<String> OWNERSHIP_CAPABILITIES = List.of("CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE");
    /** setfsuid/setfsgid to the guest user's ids, for shares with {@code permissions: enforce}. */
    static final List<String> ENFORCE_CAPABILITIES = List.of("CAP_SETUID", "CAP_SETGID");
    /** serve's pid file (ExecStart) that policy reload signals (ExecReload); the reload outcome goes beside it. */
    static final String PID_FILE = "/run/p9gate/p9gate.pid";

    private static final String OWN_RUNTIME_DIRECTORY = "p9gate"; // PID_FILE's directory, under /run
    /** The gateway's TLS certificate and key in the key directory, as {@code p9gate certs} names them. */
    static final String TLS_CERTIFICATE = "server-cert.pem";

    static final String TLS_KEY = "server-key.pem";

    /** Where the gateway's own state is on the target. */
    record Settings(
            String image,
            String version,
            String prefix,
            String auditDir,
            String auditKey,
            Packager.AuditBudget budget) {}

    private SystemdUnit() {}

    static String render(PolicyEngine engine, Settings settings) throws PackagingException {
        SafeNames.requireSafePath("--prefix", settings.prefix());
        SafeNames.requireSafePath("audit directory", settings.auditDir());
        SafeNames.requireSafePath("audit key", settings.auditKey());
        if (settings.budget().maxBytes() == 0 && settings.budget().minFree() == 0) {
            throw new PackagingException("the audit log needs a disk budget (--audit-max-bytes or --audit-min-free):"
                    + " the production profile refuses to serve without one, since a guest's records could fill the"
                    + " ECU's disk");
        }
        Set<String> writable = new TreeSet<>();
        Set<String> readOnly = new TreeSet<>();
        Set<String> runtime = new TreeSet<>(Set.of(OWN_RUNTIME_DIRECTORY));
        Set<String> state = new TreeSet<>();
        Set<String> mounts = new TreeSet<>(Set.of(settings.prefix(), settings.auditDir(), parent(settings.auditKey())));
        List<String> capabilities = new ArrayList<>(OWNERSHIP_CAPABILITIES);
        Set<String> families = new TreeSet<>(Set.of("AF_UNIX"));
        boolean tls = false;
        for (var vm : engine.policy().vms().values()) {
            for (SharePolicy share : vm.shares().values()) {
                String dir = SafeNames.requireSafePath(
                        "share '" + share.name() + "' path", share.hostDir().toString());
                (share.access() == Access.READ_ONLY ? readOnly : writable).add(dir);
                mounts.add(dir);
                if (share.permissions() == HostPermissions.ENFORCE && !capabilities.containsAll(ENFORCE_CAPABILITIES)) {
                    capabilities.addAll(ENFORCE_CAPABILITIES);
                }
            }
            switch (vm.listen()) {
                case ListenerSpec.UnixSocket unix ->
                    placeWritable(
                            SafeNames.requireSafePath(
                                    "VM '" + vm.id() + "' socket", unix.path().toString()),
                            true,
                            runtime,
                            writable);
                case ListenerSpec.Vsock vsock -> families.add("AF_VSOCK");
                case ListenerSpec.Tls t -> {
                    families.addAll(Set.of("AF_INET", "AF_INET6"));
                    tls = true;
                }
                case ListenerSpec.Tcp tcp -> families.addAll(Set.of("AF_INET", "AF_INET6"));
            }
        }
        readOnly.removeAll(writable); // the same directory shared read-write elsewhere
        placeWritable(settings.auditDir(), false, state, writable);

        Map<String, String> values = new LinkedHashMap<>();
        values.put("@IMAGE@", settings.image());
        values.put("@VERSION@", settings.version());
        values.put("@PREFIX@", settings.prefix());
        values.put("@AUDIT_DIR@", settings.auditDir());
        values.put("@AUDIT_KEY@", settings.auditKey());
        values.put("@AUDIT_BUDGET@", auditBudgetOptions(settings.budget()));
        values.put("@PID_FILE@", PID_FILE);
        values.put("@METRICS@", MetricsAddress.PACKAGED);
        values.put("@RUNTIME_DIRECTORIES@", String.join(" ", runtime));
        values.put("@STATE_DIRECTORIES@", String.join(" ", state));
        values.put("@READ_WRITE_PATHS@", String.join(" ", writable));
        values.put("@READ_ONLY_PATHS@", String.join(" ", readOnly));
        values.put("@MOUNTS@", String.join(" ", mounts));
        values.put("@CAPABILITIES@", String.join(" ", capabilities));
        boolean network = families.contains("AF_INET");
        values.put("@PRIVATE_NETWORK@", network ? "no" : "yes");
        values.put("@ADDRESS_FAMILIES@", String.join(" ", families));
        values.put("@IP_ADDRESS_DENY@", network ? "" : "any");
        // The gateway's TLS certificate and key live beside the audit key (protect.keys): p9gate certs names them.
        String keys = parent(settings.auditKey());
        values.put(
                "@TLS_OPTIONS@",
                tls ? " --tls-cert " + keys + "/" + TLS_CERTIFICATE + " --tls-key " + keys + "/" + TLS_KEY : "");
        return fill(template(), values);
    }

    /**
     * A socket's directory (a file's parent) or a directory (the audit log) under /run or /var/lib becomes a
     * directory systemd makes; elsewhere it must be writable in place.
     */
    private static void placeWritable(String path, boolean isSocket, Set<String> managed, Set<String> writable) {
        String dir = isSocket ? parent(path) : path;
        String root = isSocket ? RUNTIME_ROOT : STATE_ROOT;
        if (dir.startsWith(root) && dir.length() > root.length()) {
            managed.add(dir.substring(root.length()));
        } else {
            writable.add(dir);
        }
    }

    /** The serve options of the budget, each only when set. */
    private static String auditBudgetOptions(Packager.AuditBudget budget) {
        StringBuilder out = new StringBuilder();
        if (budget.maxBytes() > 0) {
            out.append(" --audit-max-bytes ").append(budget.maxBytes());
        }
        if (budget.minFree() > 0) {
            out.append(" --audit-min-free ").append(budget.minFree());
        }
        return out.toString();
    }

    /**
     * The paths the service needs that the template's sandbox hides from it, each with why
     * ({@link SandboxHiddenPaths}, which {@code policy check} asks too): the package's own paths, then the policy's.
     */
    static List<String> hiddenBySandbox(PolicyEngine engine, String prefix, String auditDir, String auditKey)
            throws PackagingException {
        List<SandboxHiddenPaths.Needed> needed = new ArrayList<>(List.of(
                new SandboxHiddenPaths.Needed(null, "--prefix " + prefix, prefix),
                new SandboxHiddenPaths.Needed(null, "audit directory " + auditDir, auditDir),
                new SandboxHiddenPaths.Needed(null, "audit key " + auditKey, auditKey)));
        needed.addAll(SandboxHiddenPaths.needed(engine.policy()));
        String template = template();
        Set<SandboxHiddenPaths.Hiding> unit = EnumSet.noneOf(SandboxHiddenPaths.Hiding.class);
        for (SandboxHiddenPaths.Hiding hiding : SandboxHiddenPaths.Hiding.values()) {
            if (template.contains("\n" + hiding.setting + "\n")) {
                unit.add(hiding);
            }
        }
        return SandboxHiddenPaths.warnings(needed, unit);
    }

    private static String parent(String path) {
        return Path.of(path).getParent().toString();
    }

    /** Replaces every placeholder; a setting whose value comes out empty ({@code Key=}) is left out of the unit. */
    static String fill(String template, Map<String, String> values) throws PackagingException {
        StringBuilder out = new StringBuilder();
        for (String line : template.split("\n", -1)) {
            String filled = line;
            boolean replaced = false;
            for (var e : values.entrySet()) {
                if (filled.contains(e.getKey())) {
                    replaced = true;
                    filled = filled.replace(e.getKey(), e.getValue());
                }
            }
            boolean empty = replaced && filled.endsWith("=");
            if (filled.matches(".*@[A-Z_]+@.*")) {
                throw new PackagingException("unit template line has an unknown placeholder: " + line);
            }
            if (!empty) {
                out.append(filled).append('\n');
            }
        }
        return out.substring(0, out.length() - 1);
    }

    static String template() throws PackagingException {
        return Templates.read(TEMPLATE);
    }
}
