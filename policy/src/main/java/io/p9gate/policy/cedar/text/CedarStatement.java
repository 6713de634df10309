package io.p9gate.policy.cedar.text;

import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of one Cedar policy, annotations included, up to and with its {@code ;} ({@code terminated}), or the
 * tokens after the last {@code ;} when the text ends without one. A {@code ;} only ever ends a policy in Cedar
 * (strings are single tokens), so splitting at it needs no parser.
 */
public record CedarStatement(List<CedarToken> tokens, boolean terminated) {

    public CedarStatement {
        tokens = List.copyOf(tokens);
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("a statement has at least one token");
        }
    }

    public static List<CedarStatement> split(List<CedarToken> tokens) {
        List<CedarStatement> out = new ArrayList<>();
        List<CedarToken> current = new ArrayList<>();
        for (CedarToken t : tokens) {
            current.add(t);
            if (t.is(";")) {
                out.add(new CedarStatement(current, true));
                current.clear();
            }
        }
        if (!current.isEmpty()) {
            out.add(new CedarStatement(current, false));
        }
        return out;
    }

    public int start() {
        return tokens.getFirst().start();
    }

    public int end() {
        return tokens.getLast().end();
    }
}
