package io.p9gate.policy.lint;

import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.protect.ShareReach;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The host paths the service needs that the sandbox of the systemd unit {@code p9gate package} writes hides from
 * it: ProtectHome=yes makes /home, /root and /run/user inaccessible and PrivateTmp=yes gives the service its own
 * empty /tmp and /var/tmp, so a share or the audit log there is missing to serve (exit 75, restarted for ever) and
 * a socket there is out of the hypervisor's sight. One check for {@code policy check} (the policy's paths) and
 * {@code package} (those and its own options' paths): a warning, not a refusal, since the operator may change the
 * unit.
 */
public final class SandboxHiddenPaths {
    private SandboxHiddenPaths() {}

    /** A path the service needs; {@code pos} is where the policy names it, null for a command's option. */
    public record Needed(SourcePos pos, String what, String path) {
        String label() {
            return pos == null ? what : pos + ": " + what;
        }
    }

    /** The template's settings that hide host directories from the service. */
    public enum Hiding {
        PROTECT_HOME(
                "ProtectHome=yes",
                "makes /home, /root and /run/user inaccessible to it",
                "/home",
                "/root",
                "/run/user"),
        PRIVATE_TMP("PrivateTmp=yes", "gives it its own empty /tmp and /var/tmp", "/tmp", "/var/tmp");

        public final String setting;
        private final String why;
        private final List<String> roots;

        Hiding(String setting, String why, String... roots) {
            this.setting = setting;
            this.why = why;
            this.roots = List.of(roots);
        }

        /** The first of {@code places}, where the service finds a path ({@link #where}), this setting hides. */
        Optional<String> hides(Set<String> places) {
            return places.stream()
                    .filter(place -> roots.stream().anyMatch(r -> place.equals(r) || place.startsWith(r + "/")))
                    .findFirst();
        }

        /** {@code what}, of {@code path}, hidden at {@code place}: named when the path is not written so. */
        String warning(String what, String path, String place) {
            String at = place.equals(path) ? "" : " (it is " + place + " on this host)";
            return what + at + " is hidden from the service by the packaged unit's " + setting + ", which " + why
                    + " (a share or the audit log there is missing to serve, which exits 75 at every start; a socket"
                    + " is where the VM's hypervisor cannot connect): put it elsewhere, e.g. under /srv, /var/lib or"
                    + " /run";
        }
    }

    /**
     * Where the service finds {@code path}: as written, and as this host resolves it (a symlink the service follows
     * too: a share /srv/x -> /tmp/x is in its empty /tmp), each with /var/run read as the /run it links to (FHS), so
     * /var/run/user is ProtectHome's /run/user. Compared as written only, such paths were said to be fine.
     */
    static Set<String> where(String path) {
        Set<String> places = new LinkedHashSet<>();
        Path written = Path.of(path);
        places.add(runNotVarRun(written.normalize().toString()));
        // A relative one is the service's working directory's, not this command's: as written only. Resolved as
        // written, not normalised first: a socket is bound so, the kernel taking ".." of where a symlink before it
        // points (LINK/../vm.sock, LINK -> /tmp/x, is /tmp/vm.sock).
        if (written.isAbsolute()) {
            places.add(runNotVarRun(ShareReach.realOfExistingPrefix(written).toString()));
        }
        return places;
    }

    private static String runNotVarRun(String path) {
        return path.equals("/var/run") || path.startsWith("/var/run/") ? path.substring("/var".length()) : path;
    }

    /** What {@code policy check} says: the policy's paths against every setting of the packaged unit. */
    public static List<LintFinding> in(PolicyFile policy) {
        List<LintFinding> out = new ArrayList<>();
        eachHidden(
                needed(policy),
                EnumSet.allOf(Hiding.class),
                (n, h, place) -> out.add(new LintFinding(n.pos(), h.warning(n.what(), n.path(), place))));
        return out;
    }

    /** One line per path of {@code needed} that a setting of {@code unit} hides, naming where it is set. */
    public static List<String> warnings(List<Needed> needed, Set<Hiding> unit) {
        List<String> out = new ArrayList<>();
        eachHidden(needed, unit, (n, h, place) -> out.add(h.warning(n.label(), n.path(), place)));
        return out;
    }

    /** A path of {@code needed} that {@code setting} hides, found at {@code place}. */
    @FunctionalInterface
    private interface Found {
        void hidden(Needed needed, Hiding setting, String place);
    }

    /** Each path of {@code needed} in order, each of {@code settings} that hides it in theirs: its places read once. */
    private static void eachHidden(List<Needed> needed, Set<Hiding> settings, Found found) {
        for (Needed n : needed) {
            Set<String> places = where(n.path());
            for (Hiding h : settings) {
                h.hides(places).ifPresent(place -> found.hidden(n, h, place));
            }
        }
    }

    /** The host paths the policy's VMs need when served: shares, sockets, and client-cert files (read at every start and reload). */
    public static List<Needed> needed(PolicyFile policy) {
        List<Needed> out = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            for (SharePolicy share : vm.shares().values()) {
                out.add(new Needed(
                        share.pos(),
                        "VM '" + vm.id() + "' share '" + share.name() + "' path " + share.hostDir(),
                        share.hostDir().toString()));
            }
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                out.add(new Needed(
                        vm.pos(),
                        "VM '" + vm.id() + "' socket " + unix.path(),
                        unix.path().toString()));
            }
            if (vm.listen() instanceof ListenerSpec.Tls tls) {
                clientCertFile(out, vm, "ca", tls.client().ca());
                clientCertFile(out, vm, "crl", tls.client().crl());
            }
        }
        return out;
    }

    private static void clientCertFile(List<Needed> out, VmPolicy vm, String which, Path file) {
        if (file != null) {
            out.add(new Needed(vm.pos(), "VM '" + vm.id() + "' client-cert " + which + " " + file, file.toString()));
        }
    }
}
