package io.p9gate.gateway.backend;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves a share watching host moves (its factory or share never closed): the share's VM
 * instance keeps its watches for the rest of the JVM, and every later test counts that VM in the watches' fair part
 * (session 30's WatchGiver* failures in full-suite order, left by ops.TopenTest). Shares are told apart by object,
 * not by VM name, which tests repeat; only those that started watching during the class are its own. Registered for
 * every gateway test class (META-INF/services, junit-platform.properties).
 */
public final class NoShareLeftWatching implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoShareLeftWatching.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put(context.getUniqueId(), watchingNow());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Set<?> before = context.getStore(NS).get(context.getUniqueId(), Set.class);
        List<String> left = HostMoves.watchingForTests().entrySet().stream()
                .filter(e -> before == null || !before.contains(e.getKey()))
                .map(e -> "VM " + e.getValue().vm() + "'s share " + e.getKey().rootKey() + " (watching "
                        + HostMoves.watchedBy(e.getKey()) + " directories)")
                .toList();
        if (!left.isEmpty()) {
            throw new AssertionError(context.getRequiredTestClass().getName() + " left " + left.size()
                    + " share(s) watching host moves, never closed: " + String.join(", ", left)
                    + " (close the ShareServerFactory or LocalShare it opened)");
        }
    }

    private static Set<ShareRoot> watchingNow() {
        Set<ShareRoot> shares = Collections.newSetFromMap(new IdentityHashMap<>());
        shares.addAll(HostMoves.watchingForTests().keySet());
        return shares;
    }
}
