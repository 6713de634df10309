package io.p9gate.gateway.cli;

import io.p9gate.policy.protect.ShareReach;
import io.p9gate.policy.protect.StatePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files and directories of this gateway that no share may reach (R-POL-9), as {@code serve} and {@code demo}
 * were given them: the audit signing key and its public key, the audit directory, the pid file. The policy file
 * and its {@code protect:} paths are the policy's own check; these are added to it, without configuration.
 */
final class GatewayState {
    private GatewayState() {}

    /** Any argument may be null (not used by this gateway). */
    static List<StatePath> of(Path auditDir, Path auditKey, Path pidFile) {
        List<StatePath> state = new ArrayList<>();
        if (auditKey != null) {
            state.add(new StatePath("audit signing key", auditKey));
            publicKeyOf(auditKey).ifPresent(pub -> state.add(new StatePath("audit public key", pub)));
        }
        if (auditDir != null) {
            state.add(new StatePath("audit directory", auditDir));
        }
        if (pidFile != null) {
            // A guest that writes the pid file chooses which process 'p9gate policy reload' sends SIGHUP to.
            state.add(new StatePath("pid file", pidFile));
        }
        return state;
    }

    /** PREFIX.pub beside PREFIX.key, as {@code p9gate keys generate} writes them: a guest must not swap the verifier's key. */
    static Optional<Path> publicKeyOf(Path key) {
        String name = key.getFileName().toString();
        return name.endsWith(".key")
                ? Optional.of(key.resolveSibling(name.substring(0, name.length() - 4) + ".pub"))
                : Optional.empty();
    }

    /** One line refusing the first share that reaches any of {@code state}, for {@code serve --share}. */
    static Optional<String> refusal(Map<String, Path> shares, List<StatePath> state) {
        for (StatePath s : state) {
            Optional<String> linked = ShareReach.hardLinks(s);
            if (linked.isPresent()) {
                return Optional.of(linked.get() + " (R-POL-9)");
            }
        }
        ShareReach reach = ShareReach.now();
        for (var share : shares.entrySet()) {
            for (StatePath s : state) {
                Optional<String> how = reach.of(share.getValue(), s);
                if (how.isPresent()) {
                    return Optional.of(
                            "share '" + share.getKey() + "' (" + share.getValue() + ") " + how.get() + " (R-POL-9)");
                }
            }
        }
        return Optional.empty();
    }
}
