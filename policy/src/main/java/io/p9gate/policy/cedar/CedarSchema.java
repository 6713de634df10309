package io.p9gate.policy.cedar;

import com.cedarpolicy.model.exception.InternalException;
import com.cedarpolicy.model.schema.Schema;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Cedar schema every policy set (compiled or hand-written) is validated against.
 *
 * <ul>
 *   <li>{@code Vm}: the principal, identified by VM id.</li>
 *   <li>{@code Share}: "vm/share"; {@code Directory}: "vm/share:/a/b", the subtree rooted at that path,
 *       inside its parent directory, the root directory inside the share.</li>
 *   <li>{@code File}: the object of an operation, "vm/share:/a/b", inside the Directory of its own path,
 *       so {@code resource in Directory::"vm/share:/a"} covers /a itself and everything below it. Its
 *       attributes: {@code path}, {@code depth} (number of segments), {@code s0..s15} (segments from the
 *       front) and {@code r0..r15} (from the back; r0 is the name), present while the path has them.</li>
 *   <li>One action per {@link OpKind}; context {@code uid}, {@code gid}: the guest's ids.</li>
 * </ul>
 */
public final class CedarSchema {

    private CedarSchema() {}

    public static String text() {
        StringBuilder b = new StringBuilder();
        b.append("namespace ").append(CedarNames.NAMESPACE).append(" {\n");
        b.append("  entity Vm;\n");
        b.append("  entity Share;\n");
        b.append("  entity Directory in [Directory, Share];\n");
        b.append("  entity File in [Directory] {\n");
        b.append("    path: String,\n    depth: Long,\n");
        for (int i = 0; i < PathPattern.MAX_SEGMENTS; i++)
            b.append("    s").append(i).append("?: String,\n");
        for (int i = 0; i < PathPattern.MAX_SEGMENTS; i++)
            b.append("    r").append(i).append("?: String,\n");
        b.append("  };\n");
        String actions = Arrays.stream(OpKind.values())
                .map(o -> CedarText.quote(o.name()))
                .collect(Collectors.joining(", "));
        b.append("  action ").append(actions).append(" appliesTo {\n");
        b.append("    principal: [Vm],\n    resource: [File],\n    context: { uid: Long, gid: Long }\n  };\n");
        b.append("}\n");
        return b.toString();
    }

    public static Schema parse() {
        try {
            return Schema.parse(Schema.JsonOrCedar.Cedar, text());
        } catch (InternalException e) {
            throw new IllegalStateException("built-in Cedar schema does not parse: " + e.getMessage(), e);
        }
    }
}
