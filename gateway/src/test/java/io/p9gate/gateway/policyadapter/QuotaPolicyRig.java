package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.quota.Usage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A loaded policy giving one VM one read-write share "data" under the given quotas, with its quota books
 * and the share server (no audit), for quota tests and benchmarks.
 */
public final class QuotaPolicyRig implements AutoCloseable {
    public final PolicyHolder holder;
    public final PolicyQuotas quotas;
    public final ShareServerFactory shares;
    /** The VM's Unix socket, and the same as a listener name. */
    public final Path socket;

    public final String listener;

    /**
     * @param dir    where the policy file and the socket's path go
     * @param quotas YAML flow mappings, e.g. {@code {path: /cache, bytes: 1MiB, inodes: 50}}; none for no quota
     */
    public QuotaPolicyRig(Path dir, String vm, Path share, String... quotas) throws Exception {
        this(dir, vm, socket -> text(vm, socket, share, quotas));
    }

    /**
     * One VM whose shares are {@code shares}: the YAML of its {@code shares:} mapping, each share's lines indented
     * six spaces (e.g. {@code "data:\n        path: /srv\n        access: read-write\n"} after the six).
     */
    public static QuotaPolicyRig withShares(Path dir, String vm, String shares) throws Exception {
        return new QuotaPolicyRig(
                dir,
                vm,
                socket -> "image: quota-test\nvms:\n  " + vm + ":\n    listen: unix:" + socket + "\n    shares:\n"
                        + shares);
    }

    /**
     * A policy of several VMs, {@code vm} the one whose socket is {@link #socket}: {@code policyText} is given that
     * socket's path; the other VMs' sockets are the text's.
     */
    public static QuotaPolicyRig withPolicy(Path dir, String vm, java.util.function.Function<Path, String> policyText)
            throws Exception {
        return new QuotaPolicyRig(dir, vm, policyText);
    }

    private QuotaPolicyRig(Path dir, String vm, java.util.function.Function<Path, String> policyText) throws Exception {
        this.socket = dir.resolve(vm + ".sock");
        Path policy = dir.resolve(vm + "-policy.yaml");
        Files.writeString(policy, policyText.apply(socket));
        this.listener = "unix:" + socket;
        this.holder = PolicyHolder.load(policy);
        this.quotas = new PolicyQuotas(holder.current());
        this.shares = new ShareServerFactory(
                new PolicyShares(
                        holder,
                        new SessionGuards(holder::current, OwnershipMode.automatic(ThisProcess.INSTANCE), this.quotas)),
                new NoAudit());
    }

    private static String text(String vm, Path socket, Path share, String... quotas) {
        StringBuilder yaml = new StringBuilder("image: quota-test\nvms:\n  " + vm + ":\n    listen: unix:" + socket
                + "\n    shares:\n      data:\n        path: " + share + "\n        access: read-write\n");
        if (quotas.length > 0) {
            yaml.append("        quotas:\n");
            for (String q : quotas) {
                yaml.append("          - ").append(q).append('\n');
            }
        }
        return yaml.toString();
    }

    /** What a restart's scan would count now in the quota {@code id} of {@code vm}. */
    public Usage rescanned(String vm, String id) {
        return new PolicyQuotas(holder.current()).usage(vm).get(id);
    }

    /** What the quota {@code id} of {@code vm} counts now. */
    public Usage live(String vm, String id) {
        return quotas.usage(vm).get(id);
    }

    @Override
    public void close() {
        shares.close();
    }
}
