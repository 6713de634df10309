package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.IdTranslation;
import io.p9gate.gateway.fs.Quotas;
import java.util.function.UnaryOperator;

/**
 * One small bug injected into a policy-served gateway, for tests only ({@link MutantGateway}): each part wraps the
 * piece of enforcement it breaks (the decisions, the audit trail, the quota books, the id map) or is the identity;
 * {@code everyDialect} serves every dialect whatever the VM's {@code dialects:} say.
 */
public record GatewayMutation(
        UnaryOperator<AccessPolicy> policy,
        UnaryOperator<AuditTrail> audit,
        UnaryOperator<Quotas> quotas,
        UnaryOperator<IdTranslation> ids,
        boolean everyDialect) {

    /** The faithful gateway. */
    public static final GatewayMutation NONE = new GatewayMutation(
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            false);

    public static GatewayMutation ofPolicy(UnaryOperator<AccessPolicy> policy) {
        return new GatewayMutation(policy, NONE.audit, NONE.quotas, NONE.ids, false);
    }

    public static GatewayMutation ofAudit(UnaryOperator<AuditTrail> audit) {
        return new GatewayMutation(NONE.policy, audit, NONE.quotas, NONE.ids, false);
    }

    public static GatewayMutation ofQuotas(UnaryOperator<Quotas> quotas) {
        return new GatewayMutation(NONE.policy, NONE.audit, quotas, NONE.ids, false);
    }

    public static GatewayMutation ofIds(UnaryOperator<IdTranslation> ids) {
        return new GatewayMutation(NONE.policy, NONE.audit, NONE.quotas, ids, false);
    }

    public static GatewayMutation allDialects() {
        return new GatewayMutation(NONE.policy, NONE.audit, NONE.quotas, NONE.ids, true);
    }
}
