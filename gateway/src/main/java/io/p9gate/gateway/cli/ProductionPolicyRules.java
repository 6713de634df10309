package io.p9gate.gateway.cli;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.gateway.policyadapter.ChangeableByOthers;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The production profile's rules about a policy and the host files it names (R-DEP-4, R-DEP-1): the policy and its
 * Cedar files private, and with the CA and CRL files of its {@code client-cert:} pins out of other host users'
 * reach; no VM socket that every host user may connect to without a {@code peer:}. Checked at start with the
 * profile's other rules, and again for every reload ({@link ProductionReloadCheck}), since a reload can name new
 * files and drop a {@code peer:}.
 */
final class ProductionPolicyRules {
    private ProductionPolicyRules() {}

    /** Every reason this policy may not be served in production; empty when it may. */
    static List<String> refusals(PolicyFile policy) {
        List<String> why = new ArrayList<>();
        List<Path> sources = new ArrayList<>(List.of(policy.source()));
        sources.addAll(policy.cedarFiles());
        for (Path source : sources) {
            privateFile("policy", source).ifPresent(why::add);
            changeableByOthers("policy", source).ifPresent(why::add);
        }
        for (Path trust : peerTrust(policy)) {
            changeableByOthers("client-cert file", trust).ifPresent(why::add);
        }
        Set<Path> socketDirs = new LinkedHashSet<>();
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                socketDirectoryOthersMayChange(vm, unix, socketDirs).ifPresent(why::add);
            }
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix && unix.openToEveryHostUser()) {
                why.add("VM '" + vm.id() + "' socket " + unix.describe() + " has mode 0"
                        + Integer.toOctalString(unix.socket().mode()) + " and no peer: (any host user may connect and"
                        + " would be the VM; drop the others' bits or name the hypervisor's peer: {uid, gid})");
            }
        }
        return why;
    }

    /**
     * A directory of a VM's socket, or one above it, that another host user may change lets them unlink or rename
     * the socket and bind one of their own at its path: the VM's hypervisor then connects to them, who serve it
     * files of their choosing. Elsewhere a warning (TransportChecks); in production a refusal. Each directory once.
     */
    private static Optional<String> socketDirectoryOthersMayChange(
            VmPolicy vm, ListenerSpec.UnixSocket unix, Set<Path> seen) {
        List<String> reasons = new ArrayList<>();
        ChangeableByOthers.directoriesAbove(unix.path(), seen)
                .forEach((dir, why) -> reasons.add("directory " + dir + ": " + why));
        if (reasons.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("VM '" + vm.id() + "' socket " + unix.describe() + " can be replaced by another host user ("
                + String.join("; ", reasons) + ": they could bind their own socket where the VM's hypervisor"
                + " connects; use directories only root or the gateway's user can write, such as /run/p9gate)");
    }

    /** The CA and CRL files by which the policy's {@code tls:} listeners tell which certificate is whose. */
    private static Set<Path> peerTrust(PolicyFile policy) {
        Set<Path> files = new LinkedHashSet<>();
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.Tls tls) {
                if (tls.client().ca() != null) {
                    files.add(tls.client().ca());
                }
                if (tls.client().crl() != null) {
                    files.add(tls.client().crl());
                }
            }
        }
        return files;
    }

    /** A file others may read or change is refused: its secrets or its rules would be theirs too. */
    static Optional<String> privateFile(String what, Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!KeyFiles.ownerOnly(perms)) {
                return Optional.of(what + " " + file + " is accessible by group or others ("
                        + PosixFilePermissions.toString(perms) + "; chmod 600 it)");
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.of(what + " " + file + " does not exist");
        } catch (IOException e) {
            return Optional.of(what + " " + file + " cannot be checked: " + e.getMessage());
        }
    }

    /**
     * A file the gateway trusts that another host user can change, or replace through a directory above it, is
     * theirs: a policy they rewrite, a CA they add their own certificate to (and then connect as any VM it pins by
     * subject), a key they swap. Its mode alone does not say so: a 0600 file owned by someone else is theirs.
     */
    static Optional<String> changeableByOthers(String what, Path file) {
        List<String> reasons = ChangeableByOthers.fileAndItsDirectories(file);
        if (reasons.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(what + " " + file + " can be changed by another host user (" + String.join("; ", reasons)
                + "; keep it and the directories above it owned by root and writable by their owner only)");
    }
}
