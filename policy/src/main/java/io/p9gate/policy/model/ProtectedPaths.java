package io.p9gate.policy.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gateway's own state that no share may contain or lie inside (R-POL-9): the policy file itself,
 * the key directory and the audit directory (the latter two declared in the policy).
 */
public record ProtectedPaths(Path policyFile, Path keyDir, Path auditDir) {
    /** The declared paths with their labels, for messages. */
    public List<Map.Entry<String, Path>> labelled() {
        var out = new ArrayList<Map.Entry<String, Path>>();
        out.add(Map.entry("policy file", policyFile));
        if (keyDir != null) out.add(Map.entry("key directory", keyDir));
        if (auditDir != null) out.add(Map.entry("audit directory", auditDir));
        return out;
    }
}
