package io.p9gate.policy.cedar;

import com.cedarpolicy.model.exception.InternalException;
import com.cedarpolicy.model.policy.PolicySet;
import io.p9gate.policy.cedar.text.CedarLexer;
import io.p9gate.policy.cedar.text.CedarStatement;
import io.p9gate.policy.cedar.text.CedarToken;
import io.p9gate.policy.cedar.text.LineColumn;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns cedar-java's parse failure of a hand-written file into an error at the token that is wrong. cedar-java
 * reports only Cedar's reason ("unexpected token `}`"), wrapped in JNI text and without a position. Cedar parses
 * each policy on its own, so the first policy (split at ';') that fails alone is the one; within it, the first
 * prefix of tokens that fails for another reason than "unexpected end of input" ends at the offending token.
 * Errors Cedar finds only on a whole policy (an invalid member access) point at the first token of the text the
 * reason quotes in backquotes, else at the policy's start. This runs only after a parse failed, so the extra
 * parses (a few per token of one policy) cost nothing on a good file. It answers with a position and a reason only,
 * so that the Cedar package gains no new dependency on the loader's types (docs/architecture.md, frozen cycles).
 */
record CedarSyntaxError(LineColumn at, String reason) {

    private static final String END_OF_INPUT = "unexpected end of input";
    private static final Pattern JNI_PREFIX = Pattern.compile("^(Internal error: )?(Internal JNI Error: )?");
    private static final Pattern QUOTED = Pattern.compile("`([^`]+)`");

    static CedarSyntaxError of(String text, InternalException e) {
        List<CedarToken> tokens = CedarLexer.tokens(text);
        Optional<CedarToken> badToken = tokens.stream()
                .filter(t -> t.kind() == CedarToken.Kind.INVALID || t.kind() == CedarToken.Kind.UNTERMINATED_STRING)
                .findFirst();
        if (badToken.isPresent() && cedarReason(e.getMessage()).equals("invalid token")) {
            CedarToken t = badToken.get();
            String why = t.kind() == CedarToken.Kind.UNTERMINATED_STRING
                    ? "string is not terminated (no closing '\"')"
                    : "invalid token `" + t.text() + "`";
            return error(text, t.start(), why);
        }
        for (CedarStatement s : CedarStatement.split(tokens)) {
            if (!s.terminated()) {
                return error(
                        text,
                        s.start(),
                        END_OF_INPUT + ": the policy starting here is not finished (a policy ends with ';')");
            }
            if (failure(text.substring(s.start(), s.end())).isPresent()) {
                return inStatement(text, s);
            }
        }
        return error(text, 0, cedarReason(e.getMessage()));
    }

    /** The error inside a policy that fails to parse on its own. */
    private static CedarSyntaxError inStatement(String text, CedarStatement s) {
        List<CedarToken> tokens = s.tokens();
        for (int k = 0; k < tokens.size(); k++) {
            Optional<String> failure =
                    failure(text.substring(s.start(), tokens.get(k).end()));
            if (failure.isPresent() && !failure.get().equals(END_OF_INPUT)) {
                return error(text, quotedTokenAtOrBefore(tokens, k, failure.get(), text), failure.get());
            }
        }
        return error(
                text, s.start(), failure(text.substring(s.start(), s.end())).orElse("does not parse"));
    }

    /**
     * Where the text quoted in the reason starts: the last token at or before {@code k} that begins it. Falls back
     * to the policy's start when it quotes nothing or something not in the policy.
     */
    private static int quotedTokenAtOrBefore(List<CedarToken> tokens, int k, String reason, String text) {
        Matcher m = QUOTED.matcher(reason);
        if (!m.find()) {
            return tokens.get(k).start();
        }
        String quoted = m.group(1);
        for (int j = k; j >= 0; j--) {
            if (text.startsWith(quoted, tokens.get(j).start())) {
                return tokens.get(j).start();
            }
        }
        return tokens.getFirst().start();
    }

    /** Cedar's reason why {@code policies} does not parse, or empty when it does. */
    private static Optional<String> failure(String policies) {
        try {
            PolicySet.parsePolicies(policies);
            return Optional.empty();
        } catch (InternalException e) {
            return Optional.of(cedarReason(e.getMessage()));
        }
    }

    private static String cedarReason(String message) {
        String m = message == null ? "does not parse" : message;
        String first = m.lines().findFirst().orElse(m);
        return JNI_PREFIX.matcher(first).replaceFirst("");
    }

    private static CedarSyntaxError error(String text, int offset, String reason) {
        return new CedarSyntaxError(LineColumn.of(text, offset), reason);
    }
}
