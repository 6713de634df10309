package io.p9gate.policy.lint;

import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VMs whose Unix socket paths differ as written but name one socket on this host: their directories are one
 * directory (a link to it, a bind mount), compared by device and inode. The load compares paths as written (a build
 * host cannot see the ECU's links); serve would bind the first and refuse the second as "another process is
 * listening on it", itself. A directory that is not there is not compared (serve then fails to bind, saying so).
 */
public final class SameSocketFile {
    private SameSocketFile() {}

    /** One finding, about this host, at each VM whose socket is already an earlier VM's. */
    public static List<LintFinding> in(PolicyFile policy) {
        Map<List<Object>, VmPolicy> first = new LinkedHashMap<>();
        List<LintFinding> out = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            if (!(vm.listen() instanceof ListenerSpec.UnixSocket unix)
                    || unix.path().getParent() == null) {
                continue;
            }
            Object directory = directory(unix.path().getParent());
            if (directory == null) {
                continue;
            }
            VmPolicy earlier = first.putIfAbsent(List.of(directory, unix.path().getFileName()), vm);
            // The same path as written is ListenerConflicts' refusal at load, never reached here.
            if (earlier != null && !earlier.listen().bindKey().equals(unix.bindKey())) {
                out.add(new LintFinding(
                        vm.pos(),
                        "VM '" + vm.id() + "' listens on " + unix.describe()
                                + ", which is on this host the socket of VM '"
                                + earlier.id() + "' (" + earlier.listen().describe() + "): the transport could not tell"
                                + " them apart",
                        true));
            }
        }
        return out;
    }

    /** The directory's device and inode, following links, or null if it cannot be looked at. */
    private static Object directory(Path dir) {
        try {
            return Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}
