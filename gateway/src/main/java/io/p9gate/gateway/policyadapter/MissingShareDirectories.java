package io.p9gate.gateway.policyadapter;

import io.p9gate.policy.PolicyEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * Share directories of a reloaded policy that are not there: a reload opens no share, so it takes them, but the
 * next start looks at each one first and stops every VM's gateway for it (exit 75 retried until it is there; exit 2,
 * never restarted, for a path that is no directory). Said when the reload is taken, not at that restart.
 */
final class MissingShareDirectories {
    private MissingShareDirectories() {}

    static List<String> in(PolicyEngine engine) {
        List<String> found = new ArrayList<>();
        engine.policy()
                .vms()
                .values()
                .forEach(vm -> vm.shares().values().forEach(share -> {
                    String named = "VM '" + vm.id() + "', share '" + share.name() + "': directory " + share.hostDir();
                    switch (ShareDirectoryState.of(share.hostDir())) {
                        case MISSING ->
                            found.add(named
                                    + " does not exist (not mounted yet?): a restart exits 75 until it is there (the"
                                    + " unit retries it every 5 s, no VM served meanwhile), and a share whose path this reload"
                                    + " changed cannot be attached before that restart; mount its disk, create it or correct"
                                    + " the path (docs/deploy.md, \"A share on a disk mounted late\")");
                        case NOT_A_DIRECTORY ->
                            found.add(
                                    named + " is not a directory: a restart refuses this policy (exit 2, not retried);"
                                            + " correct the share's path and reload");
                        case DIRECTORY, UNKNOWN -> {}
                    }
                }));
        return found;
    }
}
