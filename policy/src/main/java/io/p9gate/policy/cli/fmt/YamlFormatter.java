package io.p9gate.policy.cli.fmt;

import io.p9gate.policy.load.YamlAliases;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Canonical layout of a policy (or policy test) YAML file: two spaces per block level, a block sequence two spaces
 * under its key, one space after {@code -} and after a key's {@code :}, no trailing white space, at most one blank
 * line in a row, none at the ends, LF line ends. Flow collections ({@code [a, b]}, {@code {k: v}}) and scalars are
 * left as written.
 *
 * <p>The formatter never re-emits YAML (that would drop comments): it works line by line, so every comment stays on
 * its line and in its order; a full-line comment takes the indentation of the line it precedes, and a line that
 * continues a structure (a flow list over several lines) moves with the line it continues. The result is then
 * checked: it must load to the same data as the input and format to itself; otherwise the file is refused, never
 * changed.
 */
public final class YamlFormatter {

    private static final int STEP = 2;
    private static final Pattern DASH = Pattern.compile("^(\\s*)-\\s+$");
    private static final Pattern COLON = Pattern.compile("^\\s*:\\s+$");

    /** Per line that starts an entry: the column it should start at and in-line replacements, right to left. */
    private final Map<Integer, Integer> indentOf = new HashMap<>();

    private final Map<Integer, TreeMap<Integer, Edit>> editsOf = new HashMap<>();
    /** Lines inside a flow collection that began on an earlier line: where (line, column) it opened. */
    private final Map<Integer, Mark> flowOpenedAt = new HashMap<>();

    private final List<String> lines;

    private record Edit(int from, int to, String with) {}

    private static final class Unformattable extends Exception {
        private static final long serialVersionUID = 1L;

        Unformattable(String reason) {
            super(reason);
        }
    }

    private YamlFormatter(List<String> lines) {
        this.lines = lines;
    }

    public static Formatting format(String input) {
        try {
            String unixLines = input.replace("\r\n", "\n");
            Formatting.Refused alias = firstAlias(unixLines);
            if (alias != null) {
                return alias;
            }
            Node root = compose(unixLines);
            if (!(root instanceof MappingNode)) {
                // A policy and a policy test are mappings: anything else is no policy, and is left as it is
                // (a scalar 'x' was rewritten 'x\n').
                return new Formatting.Refused("not a policy or policy test: its top level is "
                        + (root == null ? "empty" : root instanceof SequenceNode ? "a list" : "a scalar")
                        + ", not a mapping");
            }
            Formatting.Refused duplicate = firstDuplicateKey(root);
            if (duplicate != null) {
                return duplicate;
            }
            String once = formatOnce(input);
            if (!Objects.equals(load(input), load(once))) {
                return new Formatting.Refused(
                        "the layout carries meaning here (a block scalar?): formatting would change the data");
            }
            if (!formatOnce(once).equals(once)) {
                return new Formatting.Refused("the layout does not settle (formatting it again would change it)");
            }
            return new Formatting.Formatted(once);
        } catch (Unformattable e) {
            return new Formatting.Refused(e.getMessage());
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark();
            return m == null
                    ? new Formatting.Refused("YAML syntax: " + e.getProblem())
                    : new Formatting.Refused(m.getLine() + 1, m.getColumn() + 1, "YAML syntax: " + e.getProblem());
        } catch (YAMLException e) {
            return new Formatting.Refused(
                    "YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String formatOnce(String input) throws Unformattable {
        String text = input.replace("\r\n", "\n");
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        YamlFormatter f = new YamlFormatter(lines);
        Node root = compose(text);
        if (root != null) {
            f.entries(root, 0);
        }
        return f.render();
    }

    private static Node compose(String text) throws Unformattable {
        Iterable<Node> docs = new Yaml(new LoaderOptions()).composeAll(new StringReader(text));
        Node first = null;
        for (Node doc : docs) {
            if (first != null) {
                throw new Unformattable("more than one YAML document");
            }
            first = doc;
        }
        return first;
    }

    /**
     * The first alias, refused where and as the policy loader refuses it ({@code YamlTreeReader}). The data compared
     * below is loaded with aliases resolved, so a file {@code policy check} refuses was formatted (exit 0). Read as
     * parser events, which keep each alias where it is written (a composed tree shares its anchor's node).
     */
    private static Formatting.Refused firstAlias(String text) {
        Map<String, Integer> anchorLines = new HashMap<>();
        for (Event e : new Yaml(new LoaderOptions()).parse(new StringReader(text))) {
            if (e instanceof AliasEvent a) {
                Mark at = a.getStartMark();
                return new Formatting.Refused(
                        at.getLine() + 1,
                        at.getColumn() + 1,
                        YamlAliases.refusal(a.getAnchor(), anchorLines.getOrDefault(a.getAnchor(), 0)));
            }
            // The loader's parser reports a mapping's or a list's anchor, not a scalar's.
            if (e instanceof CollectionStartEvent c && c.getAnchor() != null) {
                anchorLines.putIfAbsent(c.getAnchor(), c.getStartMark().getLine() + 1);
            }
        }
        return null;
    }

    /**
     * The first key given twice in one mapping, refused as the policy loader refuses it ({@code YamlTreeReader}),
     * in its order: a key's value is checked before the key itself. SnakeYAML would keep the last value and print "WARNING: duplicate keys found" on
     * stderr, and fmt would have formatted a file that no command loads.
     */
    private static Formatting.Refused firstDuplicateKey(Node root) {
        return root == null ? null : firstDuplicateKey(root, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static Formatting.Refused firstDuplicateKey(Node node, Set<Node> seen) {
        if (!seen.add(node)) {
            return null; // an alias of a node already checked
        }
        if (node instanceof MappingNode m) {
            Map<String, Mark> keys = new HashMap<>();
            for (NodeTuple t : m.getValue()) {
                // The value before its key, as the loader reads them: both name the same first duplicate.
                Formatting.Refused inValue = firstDuplicateKey(t.getValueNode(), seen);
                if (inValue != null) {
                    return inValue;
                }
                if (t.getKeyNode() instanceof ScalarNode k) {
                    Mark at = k.getStartMark();
                    Mark first = keys.putIfAbsent(k.getValue(), at);
                    if (first != null) {
                        return new Formatting.Refused(
                                at.getLine() + 1,
                                at.getColumn() + 1,
                                "duplicate key '" + k.getValue() + "' (first at line " + (first.getLine() + 1) + ")");
                    }
                }
            }
        } else if (node instanceof SequenceNode q) {
            for (Node item : q.getValue()) {
                Formatting.Refused inItem = firstDuplicateKey(item, seen);
                if (inItem != null) {
                    return inItem;
                }
            }
        }
        return null;
    }

    private static Object load(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    /** Records where the entries of a block collection at {@code indent} belong, and recurses into their values. */
    private void entries(Node node, int indent) throws Unformattable {
        if (!isBlock(node)) {
            if (node instanceof MappingNode || node instanceof SequenceNode) {
                for (int l = node.getStartMark().getLine() + 1;
                        l <= node.getEndMark().getLine();
                        l++) {
                    flowOpenedAt.putIfAbsent(l, node.getStartMark());
                }
            }
            return;
        }
        switch (node) {
            case MappingNode m -> {
                for (NodeTuple t : m.getValue()) {
                    Node key = t.getKeyNode();
                    Node value = t.getValueNode();
                    indentOf.putIfAbsent(key.getStartMark().getLine(), indent);
                    oneSpaceAfterColon(key, value);
                    entries(value, indent + STEP);
                }
            }
            case SequenceNode s -> {
                for (Node item : s.getValue()) {
                    int line = item.getStartMark().getLine();
                    int col = item.getStartMark().getColumn();
                    Matcher dash = DASH.matcher(lines.get(line)
                            .substring(0, Math.min(col, lines.get(line).length())));
                    if (!dash.matches()) {
                        throw new Unformattable(
                                "line " + (line + 1) + ": a sequence item that does not follow its '-' on the"
                                        + " same line; write '- item'");
                    }
                    indentOf.putIfAbsent(line, indent);
                    edit(line, dash.end(1), col, "- ");
                    entries(item, indent + STEP);
                }
            }
            default -> {}
        }
    }

    private static boolean isBlock(Node n) {
        return (n instanceof MappingNode m
                        && m.getFlowStyle() == DumperOptions.FlowStyle.BLOCK
                        && !m.getValue().isEmpty())
                || (n instanceof SequenceNode s
                        && s.getFlowStyle() == DumperOptions.FlowStyle.BLOCK
                        && !s.getValue().isEmpty());
    }

    /** {@code key :   value} on one line becomes {@code key: value}. */
    private void oneSpaceAfterColon(Node key, Node value) {
        Mark end = key.getEndMark();
        Mark start = value.getStartMark();
        boolean emptyValue = value instanceof ScalarNode sc
                && sc.getValue().isEmpty()
                && start.getIndex() == value.getEndMark().getIndex();
        if (emptyValue || end.getLine() != start.getLine()) {
            return;
        }
        String line = lines.get(end.getLine());
        if (start.getColumn() <= line.length()
                && COLON.matcher(line.substring(end.getColumn(), start.getColumn()))
                        .matches()) {
            edit(end.getLine(), end.getColumn(), start.getColumn(), ": ");
        }
    }

    private void edit(int line, int from, int to, String with) {
        editsOf.computeIfAbsent(line, l -> new TreeMap<>()).put(from, new Edit(from, to, with));
    }

    /**
     * Entries go where {@link #entries} put them; a line continuing a flow collection is aligned one column after
     * the collection's opening bracket (as it moved); any other continuation moves as the line it continues.
     */
    private String render() {
        List<String> out = new ArrayList<>();
        int[] indentShift = new int[lines.size()];
        int shift = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = applyEdits(i, lines.get(i)).stripTrailing();
            int indent = leading(line);
            String body = line.substring(indent);
            int newIndent;
            if (body.isEmpty()) {
                newIndent = indent;
            } else if (indentOf.containsKey(i)) {
                newIndent = indentOf.get(i);
                shift = newIndent - indent + editShift(i, Integer.MAX_VALUE);
            } else if (body.startsWith("#")) {
                newIndent = commentIndent(i, indent + shift);
            } else if (flowOpenedAt.containsKey(i)) {
                Mark open = flowOpenedAt.get(i);
                newIndent = open.getColumn()
                        + indentShift[open.getLine()]
                        + editShift(open.getLine(), open.getColumn())
                        + 1;
            } else {
                newIndent = Math.max(0, indent + shift);
            }
            indentShift[i] = newIndent - indent;
            out.add(body.isEmpty() ? "" : " ".repeat(newIndent) + body);
        }
        return joinWithSingleBlankLines(out);
    }

    /** How far the in-line edits of a line move what stands at {@code column} (the original column). */
    private int editShift(int line, int column) {
        TreeMap<Integer, Edit> edits = editsOf.get(line);
        if (edits == null) {
            return 0;
        }
        return edits.headMap(column).values().stream()
                .mapToInt(e -> e.with().length() - (e.to() - e.from()))
                .sum();
    }

    /** A full-line comment belongs to what follows: it takes the indentation of the next entry. */
    private int commentIndent(int line, int otherwise) {
        for (int j = line + 1; j < lines.size(); j++) {
            String body = lines.get(j).strip();
            if (body.isEmpty() || body.startsWith("#")) {
                continue;
            }
            return indentOf.getOrDefault(j, Math.max(0, otherwise));
        }
        return Math.max(0, otherwise);
    }

    private String applyEdits(int i, String line) {
        TreeMap<Integer, Edit> edits = editsOf.get(i);
        if (edits == null) {
            return line;
        }
        String s = line;
        for (Edit e : edits.descendingMap().values()) {
            s = s.substring(0, e.from()) + e.with() + s.substring(e.to());
        }
        return s;
    }

    private static int leading(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    private static String joinWithSingleBlankLines(List<String> out) {
        StringBuilder b = new StringBuilder();
        boolean blank = false;
        for (String l : out) {
            if (l.isEmpty()) {
                blank = b.length() > 0;
                continue;
            }
            if (blank) {
                b.append('\n');
                blank = false;
            }
            b.append(l).append('\n');
        }
        return b.toString();
    }
}
