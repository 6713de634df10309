package io.p9gate.policy.cli.fmt;

import com.cedarpolicy.formatter.PolicyFormatter;
import com.cedarpolicy.model.exception.InternalException;
import io.p9gate.policy.cedar.text.CedarLexer;
import io.p9gate.policy.cedar.text.CedarToken;
import java.util.List;

/**
 * Canonical layout of a hand-written Cedar file: Cedar's own formatter (the one {@code cedar format} uses, shipped
 * in cedar-java), which keeps comments. Its output is accepted only if it has exactly the input's tokens and
 * comments in the same order (so only white space changed) and formats to itself; otherwise the file is refused.
 */
public final class CedarFormatter {

    private CedarFormatter() {}

    public static Formatting format(String input) {
        String once;
        String twice;
        try {
            once = PolicyFormatter.policiesStrToPretty(input);
            twice = PolicyFormatter.policiesStrToPretty(once);
        } catch (InternalException e) {
            return new Formatting.Refused("Cedar: "
                    + e.getMessage()
                            .replaceFirst("^(Internal error: )?(Internal JNI Error: )?", "")
                            .lines()
                            .findFirst()
                            .orElse("")
                    + " (run p9gate policy check for where)");
        }
        if (!texts(CedarLexer.tokens(input)).equals(texts(CedarLexer.tokens(once)))) {
            return new Formatting.Refused("Cedar's formatter would change more than white space");
        }
        if (!CedarLexer.comments(input).equals(CedarLexer.comments(once))) {
            return new Formatting.Refused("Cedar's formatter would move or drop a comment");
        }
        if (!twice.equals(once)) {
            return new Formatting.Refused("the layout does not settle (formatting it again would change it)");
        }
        return new Formatting.Formatted(once);
    }

    private static List<String> texts(List<CedarToken> tokens) {
        return tokens.stream().map(CedarToken::text).toList();
    }
}
