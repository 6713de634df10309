package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.quota.Usage;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * VM alpha's session, attached as root, on its read-write share "data" whose /a is under one quota (1 GiB, 100,000
 * inodes, far from reached: the tests compare counts, not refusals). One per test ({@code @RegisterExtension}): after
 * it, the backend's test seams are removed and the session and the rig closed.
 */
final class AlphaQuotaSession implements AfterEachCallback {
    static final String VM = "alpha";
    static final String SCOPE = "vm.alpha.share.data.quotas[0]";
    static final int ROOT = TestSession.ROOT;

    QuotaPolicyRig rig;
    TestSession s;

    /**
     * Serves {@code data} (what the test put there counted by the start's scan) and attaches: fid {@link #ROOT} the
     * share's root, fid 1 the directory {@code walk} names.
     */
    void open(Path tmp, Path data, String... walk) throws Exception {
        rig = new QuotaPolicyRig(tmp, VM, data, "{path: /a, bytes: 1GiB, inodes: 100000}");
        s = TestSession.open(rig.shares, rig.listener);
        s.call(new TMessage.Tattach(ROOT, TMessage.NOFID, "root", "data", 0));
        s.walk(ROOT, 1, walk);
    }

    /** What the quota counts now. */
    Usage live() {
        return rig.live(VM, SCOPE);
    }

    /** What a restart's scan would count now. */
    Usage rescanned() {
        return rig.rescanned(VM, SCOPE);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        FileIo.whileWriting(null, null);
        FileIo.whileCreating(null);
        Entries.whileMaking(null);
        if (s != null) {
            s.close();
        }
        if (rig != null) {
            rig.close();
        }
    }
}
