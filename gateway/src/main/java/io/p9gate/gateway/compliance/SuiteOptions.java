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
 * @param auditPub     the public keys that verify it: every key of the log's life (empty without an audit log)
 * @param reportDir    where to write the JUnit XML, JSON and HTML reports, or null
 * @param uid          the guest uid the suite acts as (Tattach n_uname)
 * @param gid          the guest gid it names in creates
 * @param maxEntries   most entries the suite walks and lists per share
 * @param maxCreates   most entries it may create to fill an inode quota
 * @param auditWait    how long it waits for a signed checkpoint to cover its records
 * @param tests        a policy test file whose decision cases are replayed live, or null
 * @param maxHostEntries most entries looked at in each share's tree on the host for other names (hard links) of the
 *                     gateway's state
 */
public record SuiteOptions(
        Path policy,
        List<String> vms,
        Map<String, TlsCertificate> tls,
        Path auditLog,
        List<Path> auditPub,
        Path reportDir,
        int uid,
        int gid,
        int maxEntries,
        long maxCreates,
        Duration auditWait,
        Path tests,
        long maxHostEntries) {
    public static final int DEFAULT_MAX_ENTRIES = 2000;
    public static final long DEFAULT_MAX_CREATES = 20_000;
    public static final long DEFAULT_MAX_HOST_ENTRIES = 1_000_000;
    public static final Duration DEFAULT_AUDIT_WAIT = Duration.ofSeconds(10);

    public SuiteOptions {
        vms = List.copyOf(vms);
        tls = Map.copyOf(tls);
        auditPub = List.copyOf(auditPub);
    }
}
