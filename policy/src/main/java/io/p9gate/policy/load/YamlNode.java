package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers where each node was written. Jackson's own tree drops
 * locations, which R-POL-1 needs for every error, so {@link YamlTreeReader} builds this one instead.
 */
public sealed interface YamlNode {

    SourcePos pos();

    /** What the node is, for "expected a list, found a mapping" messages. */
    String kind();

    record Mapping(Map<String, Entry> entries, SourcePos pos) implements YamlNode {
        public String kind() {
            return "a mapping";
        }
    }

    /** A key with its position and value (keys keep their own position for "unknown key" errors). */
    record Entry(String key, SourcePos keyPos, YamlNode value) {}

    record Sequence(List<YamlNode> items, SourcePos pos) implements YamlNode {
        public String kind() {
            return "a list";
        }
    }

    /** A scalar; {@code text} is null for YAML null (~ or empty). */
    record Scalar(String text, boolean quoted, SourcePos pos) implements YamlNode {
        public String kind() {
            return text == null ? "nothing" : "a scalar";
        }
    }
}
