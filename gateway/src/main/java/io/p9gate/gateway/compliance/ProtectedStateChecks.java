package io.p9gate.gateway.compliance;

import io.p9gate.policy.load.PolicyValidator;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.protect.StatePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * R-POL-9 on the host: no share's directory is, contains or lies inside the gateway's state that the policy names,
 * the same state the gateway refuses at load ({@link PolicyValidator#declaredState}): the policy file, its Cedar
 * files, {@code protect.keys}, {@code protect.audit}, each {@code tls:} VM's {@code client-cert:} CA and CRL and each
 * {@code unix:} VM's socket. Compared by path with symlinks resolved and by the
 * directories' identities (device and inode), so a bind mount of the state inside a share counts too. Read from
 * the host only: nothing is sent to the gateway. A state file with more names than one is also looked for by inode in
 * every share ({@link HardLinks}): a hard link inside a share is the state itself under a name the VM reaches.
 */
final class ProtectedStateChecks {
    private ProtectedStateChecks() {}

    /**
     * @param maxHostEntries most entries looked at in each share's tree for other names of the state (a state file
     *                       with more than one name only); where it runs out the check is skipped, saying so
     * @param progress       where a long walk says how far it is
     */
    static List<CheckResult> of(PolicyFile policy, long maxHostEntries, Consumer<String> progress) {
        List<CheckResult> out = new ArrayList<>();
        List<StatePath> states = PolicyValidator.declaredState(policy);
        Map<StatePath, Map<Object, Long>> linked = new LinkedHashMap<>();
        states.forEach(s -> linked.put(s, HardLinks.ofState(s.path())));
        Set<Object> keys = new HashSet<>();
        Set<Long> devices = new HashSet<>();
        linked.values().forEach(l -> {
            keys.addAll(l.keySet());
            devices.addAll(l.values());
        });
        // Each share's tree once, for every linked state file at once: the walk is the costly part.
        Map<Path, HardLinks.Search> searches = new HashMap<>();
        Map<String, Long> perLabel =
                states.stream().collect(Collectors.groupingBy(StatePath::label, Collectors.counting()));
        Map<String, Integer> seen = new HashMap<>();
        for (StatePath each : states) {
            int index = seen.merge(each.label(), 1, Integer::sum) - 1;
            String slug = slug(each.label()) + (perLabel.get(each.label()) > 1 ? "[" + index + "]" : "");
            List<String> reached = new ArrayList<>();
            List<String> notLooked = new ArrayList<>();
            Set<Object> ours = linked.get(each).keySet();
            for (VmPolicy vm : policy.vms().values()) {
                for (SharePolicy share : vm.shares().values()) {
                    String named = "share '" + share.name() + "' of VM '" + vm.id() + "' (" + share.hostDir() + ")";
                    if (reaches(share.hostDir(), each.path())) {
                        reached.add(named);
                    }
                    if (ours.isEmpty()) {
                        continue;
                    }
                    HardLinks.Search search = searches.computeIfAbsent(
                            share.hostDir(), dir -> HardLinks.namesIn(dir, keys, devices, maxHostEntries, progress));
                    search.names().forEach((name, key) -> {
                        if (ours.contains(key)) {
                            reached.add(named + " holds another name of it: " + name);
                        }
                    });
                    if (search.incomplete() != null) {
                        notLooked.add(named + ": " + search.incomplete());
                    }
                }
            }
            HardLinks.names(each.path())
                    .filter(n -> n > 1 && reached.isEmpty())
                    .ifPresent(n -> reached.add(each.path() + " has " + n + " names (hard links): none lies in a "
                            + "share, but the gateway refuses to load state with more than one (it would not start)"));
            Status status = !reached.isEmpty() ? Status.FAILED : notLooked.isEmpty() ? Status.PASSED : Status.SKIPPED;
            out.add(new CheckResult(
                    "protect/" + slug,
                    null,
                    null,
                    "R-POL-9",
                    "no share is, contains or lies inside the " + each.label() + " " + each.path(),
                    status,
                    "host: real paths and device/inode of the directories above each, and of the state's files in the shares",
                    "no share reaches it",
                    switch (status) {
                        case FAILED -> String.join(", ", reached);
                        case SKIPPED -> "no share reaches it where the suite looked";
                        default -> "none reaches it";
                    },
                    switch (status) {
                        case FAILED -> "a guest of that share can read or change the gateway's state";
                        case SKIPPED ->
                            "it has another name (a hard link), and the shares were not all looked at: "
                                    + String.join(", ", notLooked);
                        default -> "";
                    },
                    List.of()));
        }
        return out;
    }

    /**
     * The check's name for a piece of state: the names the first checks had for the policy file and the
     * {@code protect:} paths, else its label in lower case with dashes ("socket of VM 'a'": {@code socket-of-vm-a}).
     */
    static String slug(String label) {
        return switch (label) {
            case "policy file" -> "policy-file";
            case "key directory" -> "keys";
            case "audit directory" -> "audit";
            default ->
                label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-|-$", "");
        };
    }

    /** Whether {@code share} and {@code state} are one directory, or one lies inside the other. */
    static boolean reaches(Path share, Path state) {
        Path s = existing(share);
        Path t = existing(state);
        if (s.startsWith(t) || t.startsWith(s)) {
            return true;
        }
        Set<Object> aboveShare = keysUp(s);
        Set<Object> aboveState = keysUp(t);
        return aboveShare.contains(key(t)) || aboveState.contains(key(s));
    }

    /** The longest existing prefix of {@code path}, its symlinks resolved. */
    private static Path existing(Path path) {
        Path p = path.toAbsolutePath().normalize();
        Path missing = null;
        while (p != null) {
            try {
                Path real = p.toRealPath();
                return missing == null ? real : real.resolve(missing);
            } catch (IOException e) {
                missing = missing == null ? p.getFileName() : p.getFileName().resolve(missing);
                p = p.getParent();
            }
        }
        return path.toAbsolutePath().normalize();
    }

    /** The identities of {@code path} and every directory above it. */
    private static Set<Object> keysUp(Path path) {
        Set<Object> out = new HashSet<>();
        for (Path p = path; p != null; p = p.getParent()) {
            Object k = key(p);
            if (k != null) {
                out.add(k);
            }
        }
        return out;
    }

    private static Object key(Path p) {
        try {
            return Objects.requireNonNullElse(
                    Files.readAttributes(p, BasicFileAttributes.class).fileKey(), p);
        } catch (IOException e) {
            return null;
        }
    }
}
