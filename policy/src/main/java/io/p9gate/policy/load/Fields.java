package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed access to one YAML mapping that knows its allowed keys: any other key is an error at that key's
 * position, so a typo like "read_only" is never silently ignored.
 */
final class Fields {

    private final YamlNode.Mapping map;

    private Fields(YamlNode.Mapping map) {
        this.map = map;
    }

    static Fields of(YamlNode node, String what, Set<String> allowed) throws PolicyLoadException {
        if (!(node instanceof YamlNode.Mapping m)) {
            throw new PolicyLoadException(node.pos(), what + " must be a mapping, found " + node.kind());
        }
        for (YamlNode.Entry e : m.entries().values()) {
            if (!allowed.contains(e.key())) {
                throw new PolicyLoadException(
                        e.keyPos(),
                        "unknown key '" + e.key() + "' in " + what + " (allowed: "
                                + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
        return new Fields(m);
    }

    /** A mapping whose keys are names chosen by the author (VM ids, share names), checked by the caller. */
    static Fields named(YamlNode node, String what) throws PolicyLoadException {
        if (!(node instanceof YamlNode.Mapping m)) {
            throw new PolicyLoadException(node.pos(), what + " must be a mapping, found " + node.kind());
        }
        return new Fields(m);
    }

    SourcePos pos() {
        return map.pos();
    }

    boolean has(String key) {
        return map.entries().containsKey(key);
    }

    YamlNode node(String key) throws PolicyLoadException {
        YamlNode.Entry e = map.entries().get(key);
        if (e == null) throw new PolicyLoadException(map.pos(), "missing required key '" + key + "'");
        return e.value();
    }

    YamlNode nodeOrNull(String key) {
        YamlNode.Entry e = map.entries().get(key);
        return e == null ? null : e.value();
    }

    String string(String key) throws PolicyLoadException {
        return text(node(key), key);
    }

    String stringOr(String key, String fallback) throws PolicyLoadException {
        return has(key) ? string(key) : fallback;
    }

    long number(String key, long fallback) throws PolicyLoadException {
        if (!has(key)) return fallback;
        YamlNode n = node(key);
        String t = text(n, key);
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new PolicyLoadException(n.pos(), "'" + key + "' must be a whole number, found '" + t + "'");
        }
    }

    List<YamlNode> list(String key) throws PolicyLoadException {
        if (!has(key)) return List.of();
        return items(node(key), key);
    }

    List<String> strings(String key) throws PolicyLoadException {
        List<String> out = new ArrayList<>();
        for (YamlNode n : list(key)) out.add(text(n, key + " item"));
        return out;
    }

    List<YamlNode.Entry> entries() {
        return List.copyOf(map.entries().values());
    }

    static List<YamlNode> items(YamlNode n, String what) throws PolicyLoadException {
        if (n instanceof YamlNode.Sequence s) return s.items();
        throw new PolicyLoadException(n.pos(), "'" + what + "' must be a list, found " + n.kind());
    }

    static String text(YamlNode n, String what) throws PolicyLoadException {
        if (n instanceof YamlNode.Scalar s && s.text() != null) return s.text();
        throw new PolicyLoadException(n.pos(), "'" + what + "' must be a value, found " + n.kind());
    }
}
