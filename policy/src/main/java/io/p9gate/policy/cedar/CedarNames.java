package io.p9gate.policy.cedar;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;

/**
 * Entity identifiers of the Cedar schema ({@link CedarSchema}). Shares and paths are scoped by VM because
 * two VMs may use the same attach name for different host directories.
 */
public final class CedarNames {

    public static final String NAMESPACE = "P9gate";

    private CedarNames() {}

    public static String vmId(String vm) {
        return vm;
    }

    public static String shareId(String vm, String share) {
        return vm + "/" + share;
    }

    public static String pathId(String vm, String share, SharePath path) {
        return shareId(vm, share) + ":" + path.text();
    }

    static String vm(String vm) {
        return NAMESPACE + "::Vm::" + CedarText.quote(vmId(vm));
    }

    static String share(String vm, String share) {
        return NAMESPACE + "::Share::" + CedarText.quote(shareId(vm, share));
    }

    static String directory(String vm, String share, SharePath path) {
        return NAMESPACE + "::Directory::" + CedarText.quote(pathId(vm, share, path));
    }

    static String action(OpKind op) {
        return NAMESPACE + "::Action::" + CedarText.quote(op.name());
    }
}
