package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Outcome;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Two VMs with different views of the host, written as a real policy file:
 * alpha has share "data" (read-write, /base read-only, /secret hidden, no *.sh writes, a quota on
 * /cache, ids shifted by 100000 on the host side, every dialect); beta has share "other" (read-only) and may not
 * speak plain 9P2000.
 */
public final class PolicyFixture {
    public final Path root;
    public final Path data;
    public final Path other;
    public final Path alphaSocket;
    public final Path betaSocket;
    public final Path policyFile;
    public final Recorder audit = new Recorder();
    private final String cacheQuota;

    record Recorded(AccessRequest request, Decision decision, Outcome outcome, RecordPhase phase) {}

    /** Keeps every audit record, to check rule ids reach the audit trail. */
    public static final class Recorder implements AuditTrail {
        final List<Recorded> records = new CopyOnWriteArrayList<>();

        @Override
        public long record(AuditEntry entry) {
            records.add(new Recorded(entry.request(), entry.decision(), entry.outcome(), entry.phase()));
            return records.size();
        }

        /** What was asked, in the order it was recorded. */
        public List<AccessRequest> requests() {
            return records.stream().map(Recorded::request).toList();
        }
    }

    /** With a 1 KiB quota on alpha's /cache. */
    public PolicyFixture(Path tmp) throws Exception {
        this(tmp, "1KiB");
    }

    /** @param cacheQuota alpha's byte quota on /cache, as the policy spells it */
    public PolicyFixture(Path tmp, String cacheQuota) throws Exception {
        this.cacheQuota = cacheQuota;
        root = tmp;
        data = Files.createDirectories(tmp.resolve("shares/data"));
        other = Files.createDirectories(tmp.resolve("shares/other"));
        Files.createDirectories(data.resolve("base"));
        Files.createDirectories(data.resolve("secret"));
        Files.createDirectories(data.resolve("cache"));
        Files.writeString(data.resolve("base/map.db"), "tiles");
        Files.writeString(data.resolve("secret/key"), "s3cret");
        Files.writeString(data.resolve("notes.txt"), "hello");
        Files.writeString(other.resolve("readme"), "beta's view");
        alphaSocket = tmp.resolve("alpha.sock");
        betaSocket = tmp.resolve("beta.sock");
        policyFile = tmp.resolve("policy.yaml");
        Files.writeString(policyFile, policy(""), StandardCharsets.UTF_8);
    }

    /** The policy text; {@code extraDataRule} is added to alpha's share rules (for reload tests). */
    public String policy(String extraDataRule) {
        return policy(extraDataRule, cacheQuota);
    }

    /** As {@link #policy(String)} with another byte quota on alpha's /cache. */
    public String policy(String extraDataRule, String cacheQuota) {
        return """
                image: test
                vms:
                  alpha:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                    shares:
                      data:
                        path: %s
                        access: read-write
                        read-only: [/base]
                        hidden: [/secret]
                        rules:
                          - id: no-scripts
                            effect: deny
                            ops: [CREATE, OPEN_WRITE]
                            paths: ["/**/*.sh"]
                %s
                        quotas:
                          - {path: /cache, bytes: %s, inodes: 4}
                  beta:
                    listen: unix:%s
                    dialects: [9p2000.L, 9p2000.u]
                    shares:
                      other:
                        path: %s
                        access: read-only
                """.formatted(alphaSocket, data, extraDataRule, cacheQuota, betaSocket, other);
    }

    public PolicyHolder holder() throws Exception {
        return PolicyHolder.load(policyFile);
    }

    /** The gateway's share server for this policy, deciding through {@code holder}'s current engine. */
    public ShareServerFactory shares(PolicyHolder holder) {
        return shares(holder, OwnershipMode.automatic(ThisProcess.INSTANCE));
    }

    public ShareServerFactory shares(PolicyHolder holder, OwnershipMode ownership) {
        return shares(holder, ownership, audit);
    }

    /** As {@link #shares(PolicyHolder, OwnershipMode)}, recording into {@code trail} (a signed log, say). */
    public ShareServerFactory shares(PolicyHolder holder, OwnershipMode ownership, AuditTrail trail) {
        return new ShareServerFactory(
                new PolicyShares(
                        holder, new SessionGuards(holder::current, ownership, new PolicyQuotas(holder.current()))),
                trail);
    }

    /** A gateway serving the policy's listeners through {@code shares}, two workers, under {@code budgets}. */
    public static Gateway serve(PolicyHolder holder, ShareServerFactory shares, Budgets budgets) throws IOException {
        return Gateway.start(new GatewayConfig(
                PolicyListeners.of(holder.current()),
                shares,
                GatewayConfig.DEFAULT_MSIZE,
                2,
                SessionSettings.DEFAULT_MAX_OUTSTANDING,
                0,
                budgets));
    }

    public String alphaListener() {
        return "unix:" + alphaSocket;
    }

    public String betaListener() {
        return "unix:" + betaSocket;
    }
}
