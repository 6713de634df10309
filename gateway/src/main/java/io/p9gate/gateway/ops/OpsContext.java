package io.p9gate.gateway.ops;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.session.ConnectionContext;
import java.util.Map;

/** What every handler of one session shares. */
record OpsContext(ConnectionContext connection, Map<String, LocalShare> shares, GuardedFs fs, Fids fids,
                  LockTable locks) {
}
