package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.terms.AskedKinds;
import io.p9gate.policy.terms.AskedKinds.Facts;
import io.p9gate.policy.terms.OpKind;
import java.util.List;

/**
 * Which policy questions a gateway request asks: the policy module's one table ({@link AskedKinds}, which
 * {@code policy replay} reads too), keyed by the request's audit action and the facts of its typed
 * {@link RequestArgs}. The human-readable detail of the audit record is never read, so rewording it cannot change
 * a decision. Empty for the two requests that touch no file: Tauth (always refused anyway) and Tclunk (giving a
 * handle back is never refused).
 */
final class OpKindMapping {
    /**
     * Tlopen or Tlcreate without its typed flags (no such request is built): asked as an open that writes, the
     * strictest question (fail closed).
     */
    private static final Facts UNKNOWN_OPEN = new Facts.Opening(2 /* O_RDWR */, false);

    private OpKindMapping() {}

    static List<OpKind> of(AccessRequest request) {
        return of(request.operation(), request.args());
    }

    static List<OpKind> of(Operation operation, RequestArgs args) {
        return switch (AskedKinds.of(operation.action(), facts(operation, args))) {
            case AskedKinds.Asked.Kinds asked -> asked.kinds();
            // Every operation is in the table and every open carries its facts (OpKindMappingTest): a bug if not.
            case AskedKinds.Asked.Incomplete incomplete ->
                throw new IllegalStateException(operation + " without " + incomplete.missing());
            case AskedKinds.Asked.Unknown unknown ->
                throw new IllegalStateException(operation + " is not in the policy's table of kinds");
        };
    }

    private static Facts facts(Operation operation, RequestArgs args) {
        if (args instanceof RequestArgs.Open open) {
            return new Facts.Opening(open.hostFlags(), false);
        }
        if (args instanceof RequestArgs.Create create) {
            return new Facts.Opening(create.hostFlags(), create.exclusive());
        }
        if (args instanceof RequestArgs.XattrIo) {
            return new Facts.XattrValue();
        }
        if (args instanceof RequestArgs.SetAttr set && (set.valid() & SetAttr.SETATTR_SIZE) != 0) {
            return new Facts.Resizing();
        }
        if (operation == Operation.LOCK
                && args instanceof RequestArgs.Lock lock
                && lock.type() == LockConstants.LOCK_TYPE_WRLCK) {
            return new Facts.WriteLock();
        }
        return operation == Operation.OPEN || operation == Operation.CREATE ? UNKNOWN_OPEN : Facts.NONE;
    }
}
