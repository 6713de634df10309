package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.cli.RefusedConnections;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.ShareAccess;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.session.RequestHandlerFactory;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What {@code serve --policy FILE} builds (listeners, shares, decisions, ids, quotas, budgets and a signed audit log),
 * in this JVM, with one {@link GatewayMutation} installed: for showing that the compliance suite fails a gateway that
 * breaks its policy in one small way. Without a mutation it serves as {@code serve} does (no reload, no TLS).
 */
public final class MutantGateway implements AutoCloseable {
    public final Path auditDir;
    public final Path publicKey;
    private final SignedAuditTrail signed;
    private final ShareServerFactory factory;
    private final Gateway gateway;

    private MutantGateway(Path policy, Path dir, GatewayMutation mutation) throws Exception {
        Path key = dir.resolve("audit.key");
        publicKey = dir.resolve("audit.pub");
        SigningKey signingKey = SigningKey.generate("compliance-mutant", new SecureRandom());
        KeyFiles.writeKeyPair(signingKey, key, publicKey);
        auditDir = dir.resolve("audit-log");
        PolicyHolder holder = PolicyHolder.load(policy.toAbsolutePath().normalize());
        signed = SignedAuditTrail.open(
                        auditDir,
                        signingKey,
                        mutation.auditOptions().apply(AuditOptions.defaults("p9gate/compliance-mutant")))
                .holdingLooks();
        AuditTrail trail = mutation.audit().apply(signed);
        Supplier<PolicyEngine> engine = holder::current;
        SessionGuards guards = new SessionGuards(
                engine, OwnershipMode.automatic(ThisProcess.INSTANCE), new PolicyQuotas(holder.current()));
        ShareAccess shares = new Mutated(new PolicyShares(holder, guards), engine, guards, mutation);
        factory = new ShareServerFactory(shares, trail);
        int msize = GatewayConfig.DEFAULT_MSIZE;
        GatewayConfig config = new GatewayConfig(
                PolicyListeners.of(holder.current()),
                mutation.sessions().apply(new Replying(factory, mutation.replies())),
                msize,
                4,
                SessionSettings.DEFAULT_MAX_OUTSTANDING,
                0,
                PolicyBudgets.of(holder.current(), Map.of(), msize));
        // As serve: each connection the VM's budget closes at accept is recorded (the suite demands it).
        config.budgets().onConnectionRefused(new RefusedConnections(trail));
        signed.lifecycle(new GatewayEvent.PolicyLoaded(holder.current().digest(), false, policy.toString()));
        gateway = Gateway.start(config, mutation.peers().apply(new PolicyPeers(engine, trail)));
    }

    /** Serves {@code policy} with {@code mutation}; key, public key and audit log in {@code dir}. */
    public static MutantGateway serve(Path policy, Path dir, GatewayMutation mutation) throws Exception {
        return new MutantGateway(policy, dir, mutation);
    }

    /** Stops serving; the log's final checkpoint is signed. */
    @Override
    public void close() throws io.p9gate.audit.AuditWriteException {
        gateway.close();
        factory.close();
        signed.close();
    }

    /** The policy's shares, each session's choke point built as {@link SessionGuards} does, with the mutation in it. */
    private record Mutated(PolicyShares policy, Supplier<PolicyEngine> engine, SessionGuards guards, GatewayMutation m)
            implements ShareAccess {
        @Override
        public List<ShareDir> directories() {
            return policy.directories();
        }

        @Override
        public String vmOf(ConnectionContext connection) {
            return policy.vmOf(connection);
        }

        @Override
        public List<ShareDir> sharesOf(String vm) {
            return policy.sharesOf(vm);
        }

        @Override
        public boolean allowsDialect(String vm, Dialect dialect) {
            return m.everyDialect() || policy.allowsDialect(vm, dialect);
        }

        @Override
        public boolean decidesByPath(String vm, String share) {
            return policy.decidesByPath(vm, share);
        }

        @Override
        public GuardedFs guard(
                String vm, long sessionId, List<ShareDir> served, AuditTrail audit, IdentityInForce identity) {
            return new GuardedFs(
                    vm,
                    sessionId,
                    m.policy().apply(new PolicyAccess(engine, served, identity)),
                    audit,
                    OwnershipMode.automatic(ThisProcess.INSTANCE).with(m.ids().apply(new PolicyIds(engine, vm))),
                    m.quotas().apply(guards.quotas().of(vm)),
                    new PolicyShareSafety(engine, vm));
        }
    }

    /** The sessions' answers, each through {@code change} on its way out (records and decisions stay as they were). */
    private record Replying(RequestHandlerFactory factory, UnaryOperator<RMessage> change)
            implements RequestHandlerFactory {
        @Override
        public RequestHandler open(ConnectionContext context) {
            RequestHandler handler = factory.open(context);
            return new RequestHandler() {
                @Override
                public RMessage handle(FileRequest request) throws P9Exception {
                    return changed(() -> handler.handle(request));
                }

                @Override
                public RMessage handle(int tag, FileRequest request) throws P9Exception {
                    return changed(() -> handler.handle(tag, request));
                }

                @Override
                public boolean quick(FileRequest request) {
                    return handler.quick(request);
                }

                @Override
                public void close() {
                    handler.close();
                }
            };
        }

        /** The answer changed; a refusal (thrown, the session layer's Rlerror) as its Rlerror. */
        private RMessage changed(Answer answer) throws P9Exception {
            RMessage reply;
            try {
                reply = answer.get();
            } catch (P9Exception e) {
                RMessage refused = change.apply(new RMessage.Rlerror(e.errno()));
                if (refused instanceof RMessage.Rlerror(var errno) && errno == e.errno()) {
                    throw e;
                }
                return refused;
            }
            return change.apply(reply);
        }

        @FunctionalInterface
        private interface Answer {
            RMessage get() throws P9Exception;
        }

        @Override
        public void writeRecords() throws P9Exception {
            factory.writeRecords();
        }

        @Override
        public RequestHandlerFactory forConnection() {
            return new Replying(factory.forConnection(), change);
        }
    }
}
