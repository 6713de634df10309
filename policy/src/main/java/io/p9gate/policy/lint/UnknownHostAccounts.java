package io.p9gate.policy.lint;

import io.p9gate.policy.model.AccountNames;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * User and group names of a VM's Unix socket ({@code socket: owner, group}) and of its expected {@code peer:} that
 * this host does not know: serve refuses the policy for a socket's, and refuses every connection of the VM for a
 * peer's. Found on this host only (a build host packaging for an ECU has other accounts): through the C library's
 * getpwnam/getgrnam, as serve looks them up; a number stands for itself.
 */
public final class UnknownHostAccounts {
    private static final String CONNECTIONS = ": every connection of the VM is refused";

    private UnknownHostAccounts() {}

    static List<LintFinding> in(PolicyFile policy) {
        UserPrincipalLookupService accounts = FileSystems.getDefault().getUserPrincipalLookupService();
        List<LintFinding> out = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                String socket = "VM '" + vm.id() + "' socket: ";
                String refused = ": serve refuses the policy";
                AccountNames at = unix.names();
                unknown(accounts, unix.socket().owner(), false)
                        .ifPresent(why -> out.add(finding(at.owner(), vm, socket + "owner: " + why + refused)));
                unknown(accounts, unix.socket().group(), true)
                        .ifPresent(why -> out.add(finding(at.group(), vm, socket + "group: " + why + refused)));
            }
        }
        out.addAll(peers(policy));
        return out;
    }

    /**
     * The {@code peer:} names alone: serve starts with them (the socket's own are refused at start), and every
     * connection of their VM is refused, which serve's start says.
     */
    public static List<LintFinding> peers(PolicyFile policy) {
        UserPrincipalLookupService accounts = FileSystems.getDefault().getUserPrincipalLookupService();
        List<LintFinding> out = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                String peer = "VM '" + vm.id() + "' peer: ";
                AccountNames at = unix.names();
                unknown(accounts, unix.peer().uid(), false)
                        .ifPresent(why -> out.add(finding(at.uid(), vm, peer + "uid: " + why + CONNECTIONS)));
                unknown(accounts, unix.peer().gid(), true)
                        .ifPresent(why -> out.add(finding(at.gid(), vm, peer + "gid: " + why + CONNECTIONS)));
            }
        }
        return out;
    }

    /** At the name to correct, about this host. */
    private static LintFinding finding(SourcePos at, VmPolicy vm, String message) {
        return new LintFinding(AccountNames.or(at, vm.pos()), message, true);
    }

    /** Why {@code name} is no account here, in serve's words; empty if it is one, a number, or none is named. */
    private static Optional<String> unknown(UserPrincipalLookupService accounts, String name, boolean group) {
        if (name == null || name.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        try {
            if (group) {
                accounts.lookupPrincipalByGroupName(name);
            } else {
                accounts.lookupPrincipalByName(name);
            }
            return Optional.empty();
        } catch (UserPrincipalNotFoundException e) {
            return Optional.of("no " + (group ? "group" : "user") + " '" + name + "' on this host");
        } catch (IOException e) {
            return Optional.empty(); // the name service could not answer: serve's own look-up says why
        }
    }
}
