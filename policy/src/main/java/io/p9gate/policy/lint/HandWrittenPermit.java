package io.p9gate.policy.lint;

import io.p9gate.policy.cedar.text.CedarLexer;
import io.p9gate.policy.cedar.text.CedarStatement;
import io.p9gate.policy.cedar.text.CedarToken;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The scope of one hand-written Cedar permit, read from its tokens (no Cedar engine needed; the file already
 * loaded, so it parses). A scope element this reader does not understand ({@code principal is ...}, an unknown
 * action) counts as "any": lint then errs on the side of reporting.
 *
 * @param name     the permit's {@code @id}, or {@code FILE[i]} as the loader names it
 * @param offset   where its {@code permit} keyword stands in the file
 * @param vm       the VM its principal names, empty for any VM
 * @param ops      the operations its action names
 * @param place    the share (and directory) its resource names, empty for anything
 * @param conditional whether a {@code when}/{@code unless} can keep it from applying ({@code when { true }} cannot)
 */
record HandWrittenPermit(
        String name, int offset, Optional<String> vm, Set<OpKind> ops, Optional<Place> place, boolean conditional) {

    /** {@code vm/share:/path} as Share and Directory entity ids spell it; a Share is its root directory. */
    record Place(String vm, String share, SharePath under) {
        static Optional<Place> parse(String entityId) {
            int slash = entityId.indexOf('/');
            if (slash <= 0) {
                return Optional.empty();
            }
            int colon = entityId.indexOf(":/", slash);
            String share = colon < 0 ? entityId.substring(slash + 1) : entityId.substring(slash + 1, colon);
            try {
                SharePath under = colon < 0 ? SharePath.ROOT : SharePath.of(entityId.substring(colon + 1));
                return Optional.of(new Place(entityId.substring(0, slash), share, under));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return vm + "/" + share + (under.depth() == 0 ? "" : ":" + under);
        }
    }

    boolean coversEverything() {
        return vm.isEmpty() && ops.containsAll(EnumSet.allOf(OpKind.class)) && place.isEmpty();
    }

    /** The permits of a file, in order; forbids are skipped (they only narrow). */
    static List<HandWrittenPermit> in(String fileName, String text) {
        List<HandWrittenPermit> out = new ArrayList<>();
        List<CedarStatement> statements = CedarStatement.split(CedarLexer.tokens(text));
        for (int i = 0; i < statements.size(); i++) {
            read(fileName + "[" + i + "]", statements.get(i).tokens()).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<HandWrittenPermit> read(String defaultName, List<CedarToken> t) {
        String name = defaultName;
        int i = 0;
        // annotations: @name("value"), or @name alone (Cedar allows annotations without a value)
        while (i + 1 < t.size() && t.get(i).is("@")) {
            boolean withValue = i + 4 < t.size() && t.get(i + 2).is("(");
            if (withValue && t.get(i + 1).text().equals("id") && t.get(i + 3).kind() == CedarToken.Kind.STRING) {
                name = unquote(t.get(i + 3).text());
            }
            i += withValue ? 5 : 2;
        }
        if (i >= t.size() || !t.get(i).text().equals("permit")) {
            return Optional.empty();
        }
        int keyword = t.get(i).start();
        int close = matching(t, i + 1);
        List<List<CedarToken>> scope = splitAtCommas(t.subList(Math.min(i + 2, close), close));
        if (scope.size() != 3) {
            return Optional.empty();
        }
        Optional<String> vm = entityIds(scope.get(0)).stream().findFirst();
        List<String> actions = entityIds(scope.get(1));
        Set<OpKind> ops = EnumSet.noneOf(OpKind.class);
        for (String a : actions) {
            try {
                ops.add(OpKind.valueOf(a));
            } catch (IllegalArgumentException e) {
                ops = EnumSet.allOf(OpKind.class);
                break;
            }
        }
        if (actions.isEmpty()) {
            ops = EnumSet.allOf(OpKind.class);
        }
        Optional<Place> place = entityIds(scope.get(2)).stream().findFirst().flatMap(Place::parse);
        List<String> condition =
                t.subList(close + 1, t.size()).stream().map(CedarToken::text).toList();
        boolean conditional = !condition.isEmpty()
                && !condition.equals(List.of(";"))
                && !condition.equals(List.of("when", "{", "true", "}", ";"));
        return Optional.of(new HandWrittenPermit(name, keyword, vm, ops, place, conditional));
    }

    /** The index of the ')' closing the '(' at {@code open}, or the last token when it never closes. */
    private static int matching(List<CedarToken> t, int open) {
        int depth = 0;
        for (int i = open; i < t.size(); i++) {
            if (t.get(i).is("(")) {
                depth++;
            } else if (t.get(i).is(")") && --depth == 0) {
                return i;
            }
        }
        return t.size() - 1;
    }

    /** Splits the scope at top-level commas (an action list's commas are inside brackets). */
    private static List<List<CedarToken>> splitAtCommas(List<CedarToken> t) {
        List<List<CedarToken>> out = new ArrayList<>();
        List<CedarToken> cur = new ArrayList<>();
        int depth = 0;
        for (CedarToken x : t) {
            if (x.is("[") || x.is("(")) {
                depth++;
            } else if (x.is("]") || x.is(")")) {
                depth--;
            }
            if (depth == 0 && x.is(",")) {
                out.add(cur);
                cur = new ArrayList<>();
            } else {
                cur.add(x);
            }
        }
        out.add(cur);
        return out;
    }

    /** The ids of the entity uids ({@code Type::"id"}) a scope element names after {@code ==} or {@code in}. */
    private static List<String> entityIds(List<CedarToken> element) {
        List<String> ids = new ArrayList<>();
        boolean compared = false;
        for (int i = 0; i < element.size(); i++) {
            CedarToken x = element.get(i);
            if (x.is("==") || x.text().equals("in")) {
                compared = true;
            } else if (compared
                    && x.kind() == CedarToken.Kind.STRING
                    && i > 0
                    && element.get(i - 1).is("::")) {
                ids.add(unquote(x.text()));
            }
        }
        return ids;
    }

    private static String unquote(String literal) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c == '\\' && i + 1 < literal.length() - 1) {
                c = literal.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }
}
