package io.p9gate.policy.load;

import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks across the whole file that a parser cannot make locally: every VM has its own listener, and no
 * share contains or lies inside the gateway's own configuration, keys or audit log (R-POL-9).
 */
public final class PolicyValidator {

    private PolicyValidator() {}

    public static void validate(PolicyFile policy) throws PolicyLoadException {
        Map<String, VmPolicy> byListener = new HashMap<>();
        for (VmPolicy vm : policy.vms().values()) {
            VmPolicy other = byListener.put(key(vm.listen()), vm);
            if (other != null) {
                throw new PolicyLoadException(vm.pos(), "VM '" + vm.id() + "' listens on " + vm.listen().describe() + " like VM '" + other.id() + "': the transport could not tell them apart");
            }
            for (SharePolicy share : vm.shares().values()) checkNotProtected(policy, share);
        }
    }

    private static String key(ListenerSpec l) {
        return switch (l) {
            case ListenerSpec.UnixSocket u -> "unix:" + u.path().normalize();
            case ListenerSpec.Vsock v -> "vsock:" + v.cid();
        };
    }

    private static void checkNotProtected(PolicyFile policy, SharePolicy share) throws PolicyLoadException {
        var protectedPaths = new java.util.ArrayList<>(policy.protectedPaths().labelled());
        for (Path c : policy.cedarFiles()) protectedPaths.add(java.util.Map.entry("Cedar policy file", c));
        for (var prot : protectedPaths) {
            for (Path dir : forms(share.hostDir())) {
                for (Path p : forms(prot.getValue())) {
                    if (p.startsWith(dir) || dir.startsWith(p)) {
                        String how = p.startsWith(dir) ? "contains" : "lies inside";
                        throw new PolicyLoadException(share.pos(), "share '" + share.name() + "' of VM '" + share.vm() + "' (" + share.hostDir() + ") " + how + " the " + prot.getKey() + " " + prot.getValue() + " (R-POL-9)");
                    }
                }
            }
        }
    }

    /** The path as written and, where it exists, with symlinks resolved: a symlinked share dir must not dodge the check. */
    private static java.util.List<Path> forms(Path p) {
        Path lexical = p.toAbsolutePath().normalize();
        try {
            Path real = existingPrefixReal(lexical);
            return real.equals(lexical) ? java.util.List.of(lexical) : java.util.List.of(lexical, real);
        } catch (IOException e) {
            return java.util.List.of(lexical);
        }
    }

    /** Resolves the longest existing prefix of {@code p} and appends the rest unchanged. */
    private static Path existingPrefixReal(Path p) throws IOException {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return p;
        return existing.toRealPath().resolve(existing.relativize(p)).normalize();
    }
}
