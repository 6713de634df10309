package io.p9gate.policy.lint;

import io.p9gate.policy.model.Access;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A hidden subtree of one VM's share that another VM may change through a share of its own over the same host
 * directory: each VM's rules bind only that VM, so the other can rename what is hidden into the first VM's view
 * (or replace it). Not a finding when the other VM's share hides that place too, or keeps it read-only (a rename
 * out of a read-only subtree is refused, R-POL-3).
 */
final class HiddenFromOtherWriters {
    private HiddenFromOtherWriters() {}

    static List<LintFinding> in(PolicyFile policy) {
        List<SharePolicy> shares = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            shares.addAll(vm.shares().values());
        }
        List<LintFinding> out = new ArrayList<>();
        for (SharePolicy seen : shares) {
            for (Subtree hidden : seen.hidden()) {
                Path place = hostPath(seen, hidden.path());
                for (SharePolicy other : shares) {
                    if (!other.vm().equals(seen.vm()) && mayChange(other) && exposes(other, place)) {
                        out.add(new LintFinding(
                                hidden.pos(),
                                hidden.id() + " " + hidden.path() + " (" + place + ") is hidden from VM '" + seen.vm()
                                        + "' only: VM '" + other.vm() + "' may change it through its share '"
                                        + other.name() + "' (" + other.hostDir() + "), and so rename it into view"
                                        + " (hide it or make it read-only there too)"));
                    }
                }
            }
        }
        return out;
    }

    private static Path hostPath(SharePolicy share, SharePath path) {
        return path.segments().isEmpty() ? share.hostDir() : share.hostDir().resolve(String.join("/", path.segments()));
    }

    /** Whether the share lets its VM change anything: read-write access or an allow rule with a write. */
    static boolean mayChange(SharePolicy share) {
        return share.access() == Access.READ_WRITE
                || share.rules().stream()
                        .anyMatch(r ->
                                r.effect() == Effect.ALLOW && r.ops().stream().anyMatch(OpKind.WRITES::contains));
    }

    /** Whether {@code place} lies in the share and neither a hidden nor a read-only subtree of it covers it. */
    private static boolean exposes(SharePolicy share, Path place) {
        if (!place.startsWith(share.hostDir())) {
            return false;
        }
        Path relative = share.hostDir().relativize(place);
        SharePath inShare = relative.toString().isEmpty() ? SharePath.ROOT : SharePath.of("/" + relative);
        return share.hidden().stream().noneMatch(h -> inShare.isWithin(h.path()))
                && share.readOnly().stream().noneMatch(r -> inShare.isWithin(r.path()));
    }
}
