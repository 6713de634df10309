package io.p9gate.gateway.compliance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@code p9gate compliance run} was asked to do (docs/compliance.md lists every option).
 *
 * @param vms          the VMs to probe (empty: every VM of the policy)
 * @param tls          client certificates by VM, for TLS listeners
 * @param auditLog     the gateway's audit directory, or null (then the audit checks are skipped)
 * @param auditPub     the public key that verifies it, or null
 * @param reportDir    where to write the JUnit XML, JSON and HTML reports, or null
 * @param uid          the guest uid the suite acts as (Tattach n_uname)
 * @param gid          the guest gid it names in creates
 * @param maxEntries   most entries the suite walks and lists per share
 * @param maxCreates   most entries it may create to fill an inode quota
 * @param auditWait    how long it waits for a signed checkpoint to cover its records
 */
public record SuiteOptions(Path policy, List<String> vms, Map<String, TlsCertificate> tls, Path auditLog,
                           Path auditPub, Path reportDir, int uid, int gid, int maxEntries, long maxCreates,
                           Duration auditWait) {
    public static final int DEFAULT_MAX_ENTRIES = 2000;
    public static final long DEFAULT_MAX_CREATES = 20_000;
    public static final Duration DEFAULT_AUDIT_WAIT = Duration.ofSeconds(10);

    public SuiteOptions {
        vms = List.copyOf(vms);
        tls = Map.copyOf(tls);
    }

    /** Every VM, no audit, no report, as guest root: what a test starts from. */
    public static SuiteOptions of(Path policy) {
        return new SuiteOptions(policy, List.of(), Map.of(), null, null, null, 0, 0, DEFAULT_MAX_ENTRIES,
                DEFAULT_MAX_CREATES, DEFAULT_AUDIT_WAIT);
    }

    public SuiteOptions withAudit(Path log, Path pub) {
        return new SuiteOptions(policy, vms, tls, log, pub, reportDir, uid, gid, maxEntries, maxCreates, auditWait);
    }

    public SuiteOptions withReport(Path dir) {
        return new SuiteOptions(policy, vms, tls, auditLog, auditPub, dir, uid, gid, maxEntries, maxCreates, auditWait);
    }

    public SuiteOptions withIds(int newUid, int newGid) {
        return new SuiteOptions(policy, vms, tls, auditLog, auditPub, reportDir, newUid, newGid, maxEntries, maxCreates,
                auditWait);
    }

    public SuiteOptions withMaxCreates(long creates) {
        return new SuiteOptions(policy, vms, tls, auditLog, auditPub, reportDir, uid, gid, maxEntries, creates,
                auditWait);
    }
}
