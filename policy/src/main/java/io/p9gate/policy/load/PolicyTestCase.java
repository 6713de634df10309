package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.terms.OpKind;

/**
 * One decision case of a policy test file: a request and what must come of it. {@code share} may be null:
 * then {@code path} and {@code dest} are host paths, resolved to the VM's share that holds them. {@code expect}
 * is "allow", "deny" (any errno) or an errno name; {@code by}, when set, must be among the deciding rule ids.
 * That the VM, share and paths exist in the policy is checked against the policy, not here.
 */
public record PolicyTestCase(
        String name,
        String vm,
        String share,
        OpKind op,
        String path,
        String dest,
        boolean directory,
        long uid,
        long gid,
        String expect,
        String by,
        SourcePos pos) {}
