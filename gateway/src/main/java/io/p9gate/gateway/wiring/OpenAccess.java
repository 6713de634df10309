package io.p9gate.gateway.wiring;

import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.ChownedIds;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.Quotas;
import io.p9gate.gateway.fs.ShareAccess;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.IdentityInForce;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The gateway without a policy file (development): each listener is its own VM and may attach every share; {@code
 * policy} decides every request ({@link AllowAll} for {@code serve} without {@code --policy}); guest ids are host
 * ids and there are no quotas; {@code safety} says what each share does with device nodes and host permissions.
 */
final class OpenAccess implements ShareAccess {
    private final List<ShareDir> shares;
    private final AccessPolicy policy;
    private final ShareSafety safety;

    OpenAccess(Map<String, Path> shares, AccessPolicy policy, ShareSafety safety) {
        this.shares = shares.entrySet().stream()
                .map(e -> new ShareDir(ShareDir.EVERY_VM, e.getKey(), e.getValue()))
                .toList();
        this.policy = policy;
        this.safety = safety;
    }

    @Override
    public List<ShareDir> directories() {
        return shares;
    }

    @Override
    public String vmOf(ConnectionContext connection) {
        return connection.listener();
    }

    @Override
    public List<ShareDir> sharesOf(String vm) {
        return shares;
    }

    @Override
    public boolean decidesByPath(String vm, String share) {
        return policy.decidesByPath(vm, share);
    }

    /** Without a policy, a connection is its listener's VM for as long as it lasts: nothing to ask {@code identity}. */
    @Override
    public GuardedFs guard(
            String vm, long sessionId, List<ShareDir> served, AuditTrail audit, IdentityInForce identity) {
        return new GuardedFs(vm, sessionId, policy, audit, ChownedIds.UNMAPPED, Quotas.NONE, safety);
    }
}
