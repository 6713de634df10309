package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.AuditOptions;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.IdTranslation;
import io.p9gate.gateway.fs.Quotas;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.session.RequestHandlerFactory;
import java.util.function.UnaryOperator;

/**
 * One small bug injected into a policy-served gateway, for tests only ({@link MutantGateway}): each part wraps the
 * piece of enforcement it breaks (the decisions, the audit trail, the quota books, the id map) or is the identity;
 * {@code everyDialect} serves every dialect whatever the VM's {@code dialects:} say; {@code replies} rewrites each
 * answer on its way to the guest (an encoder's bug: what the choke point decided and recorded is left as it was);
 * {@code auditOptions} alters how the log is written (its checkpoints); {@code sessions} wraps what opens each connection's
 * session (where the VM the transport identified is bound, R-DEP-1); {@code peers} wraps what identifies (or refuses and
 * records) each new connection at accept.
 */
public record GatewayMutation(
        UnaryOperator<AccessPolicy> policy,
        UnaryOperator<AuditTrail> audit,
        UnaryOperator<Quotas> quotas,
        UnaryOperator<IdTranslation> ids,
        boolean everyDialect,
        UnaryOperator<RMessage> replies,
        UnaryOperator<AuditOptions> auditOptions,
        UnaryOperator<RequestHandlerFactory> sessions,
        UnaryOperator<PeerIdentifier> peers) {

    /** The faithful gateway. */
    public static final GatewayMutation NONE = new GatewayMutation(
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            false,
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            UnaryOperator.identity());

    /** Each new connection identified (or refused and recorded) as the policy says. */
    public GatewayMutation(
            UnaryOperator<AccessPolicy> policy,
            UnaryOperator<AuditTrail> audit,
            UnaryOperator<Quotas> quotas,
            UnaryOperator<IdTranslation> ids,
            boolean everyDialect,
            UnaryOperator<RMessage> replies,
            UnaryOperator<AuditOptions> auditOptions,
            UnaryOperator<RequestHandlerFactory> sessions) {
        this(policy, audit, quotas, ids, everyDialect, replies, auditOptions, sessions, UnaryOperator.identity());
    }

    public static GatewayMutation ofPolicy(UnaryOperator<AccessPolicy> policy) {
        return new GatewayMutation(
                policy, NONE.audit, NONE.quotas, NONE.ids, false, NONE.replies, NONE.auditOptions, NONE.sessions);
    }

    public static GatewayMutation ofAudit(UnaryOperator<AuditTrail> audit) {
        return new GatewayMutation(
                NONE.policy, audit, NONE.quotas, NONE.ids, false, NONE.replies, NONE.auditOptions, NONE.sessions);
    }

    public static GatewayMutation ofQuotas(UnaryOperator<Quotas> quotas) {
        return new GatewayMutation(
                NONE.policy, NONE.audit, quotas, NONE.ids, false, NONE.replies, NONE.auditOptions, NONE.sessions);
    }

    public static GatewayMutation ofIds(UnaryOperator<IdTranslation> ids) {
        return new GatewayMutation(
                NONE.policy, NONE.audit, NONE.quotas, ids, false, NONE.replies, NONE.auditOptions, NONE.sessions);
    }

    public static GatewayMutation allDialects() {
        return new GatewayMutation(
                NONE.policy, NONE.audit, NONE.quotas, NONE.ids, true, NONE.replies, NONE.auditOptions, NONE.sessions);
    }

    public static GatewayMutation ofReplies(UnaryOperator<RMessage> replies) {
        return new GatewayMutation(
                NONE.policy, NONE.audit, NONE.quotas, NONE.ids, false, replies, NONE.auditOptions, NONE.sessions);
    }

    public static GatewayMutation ofAuditOptions(UnaryOperator<AuditOptions> options) {
        return new GatewayMutation(
                NONE.policy, NONE.audit, NONE.quotas, NONE.ids, false, NONE.replies, options, NONE.sessions);
    }

    public static GatewayMutation ofSessions(UnaryOperator<RequestHandlerFactory> sessions) {
        return new GatewayMutation(
                NONE.policy, NONE.audit, NONE.quotas, NONE.ids, false, NONE.replies, NONE.auditOptions, sessions);
    }

    public static GatewayMutation ofPeers(UnaryOperator<PeerIdentifier> peers) {
        return new GatewayMutation(
                NONE.policy,
                NONE.audit,
                NONE.quotas,
                NONE.ids,
                false,
                NONE.replies,
                NONE.auditOptions,
                NONE.sessions,
                peers);
    }
}
