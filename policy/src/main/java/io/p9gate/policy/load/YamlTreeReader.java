package io.p9gate.policy.load;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.p9gate.policy.model.SourcePos;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;

/** Reads one YAML document into a {@link YamlNode} tree, refusing duplicate keys and a second document. */
public final class YamlTreeReader {

    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private final Path file;

    /** Where each anchor was first set, for the message refusing an alias of it. */
    private final Map<String, SourcePos> anchors = new HashMap<>();

    private YamlTreeReader(Path file) {
        this.file = file;
    }

    /** @throws PolicyLoadException on unreadable files, YAML syntax errors and duplicate keys */
    public static YamlNode read(Path file) throws PolicyLoadException {
        String text;
        try {
            text = PolicyFileText.text(file);
        } catch (NotUtf8Exception e) {
            throw new PolicyLoadException(new SourcePos(file, e.at().line(), e.at().column()), e.reason());
        } catch (IOException e) {
            throw new PolicyLoadException(new SourcePos(file, 0, 0), IoReason.of(e));
        }
        YamlTreeReader r = new YamlTreeReader(file);
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new PolicyLoadException(new SourcePos(file, 1, 1), "file is empty");
            YamlNode root = r.node(p);
            if (p.nextToken() != null) {
                // One file, one policy: the gateway would serve the first document and ignore the rest, which a
                // reviewer reading the file takes for part of the policy.
                throw new PolicyLoadException(
                        r.pos(p.currentTokenLocation()),
                        "a second YAML document: the file must hold one (remove the '---' or '...' and what follows)");
            }
            return root;
        } catch (StreamReadException e) {
            int bad = e.getCause() instanceof ReaderException ? firstUnprintable(text) : -1;
            if (bad >= 0) {
                // SnakeYAML reports the character unmarked, and Jackson then places it at 1:1.
                TextPosition at = TextPosition.of(text, bad);
                throw new PolicyLoadException(
                        new SourcePos(file, at.line(), at.column()),
                        String.format(
                                "YAML syntax: special characters are not allowed (U+%04X)", text.codePointAt(bad)));
            }
            if (e.getCause() instanceof MarkedYAMLException m) {
                UnclosedFlow unclosed = UnclosedFlow.of(m);
                if (unclosed != null) {
                    throw unclosed.error(file, m);
                }
                PolicyLoadException atEnd = UnclosedFlow.atEnd(file, text, m);
                if (atEnd != null) {
                    throw atEnd;
                }
            }
            // SnakeYAML's message alternates unindented sentences with indented excerpts; keep the sentences. Its
            // "\t(TAB)" (a backslash, printed escaped as two) says TAB.
            String msg = e.getOriginalMessage()
                    .lines()
                    .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                    .reduce((a, b) -> a + ": " + b)
                    .orElse("syntax error")
                    .replace("\\t(TAB)", "TAB");
            throw new PolicyLoadException(r.problemPos(e), "YAML syntax: " + msg);
        } catch (IOException e) {
            throw new PolicyLoadException(new SourcePos(file, 0, 0), IoReason.of(e));
        }
    }

    /** The index of the first character YAML may not hold (a NUL, a control character), or -1. */
    private static int firstUnprintable(String text) {
        for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
            if (!StreamReader.isPrintable(text.codePointAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Where SnakeYAML found the problem: Jackson's location is where its last token ended, which for a tab that
     * indents a line was the end of the line before.
     */
    private SourcePos problemPos(StreamReadException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            return new SourcePos(
                    file, m.getProblemMark().getLine() + 1, m.getProblemMark().getColumn() + 1);
        }
        return pos(e.getLocation());
    }

    private SourcePos pos(JsonLocation loc) {
        return loc == null ? new SourcePos(file, 0, 0) : new SourcePos(file, loc.getLineNr(), loc.getColumnNr());
    }

    private YamlNode node(JsonParser p) throws IOException, PolicyLoadException {
        SourcePos at = pos(p.currentTokenLocation());
        if (p instanceof YAMLParser yaml) {
            anchor(yaml, at);
        }
        JsonToken t = p.currentToken();
        return switch (t) {
            case START_OBJECT -> mapping(p, at);
            case START_ARRAY -> sequence(p, at);
            case VALUE_NULL -> new YamlNode.Scalar(null, false, at);
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE ->
                new YamlNode.Scalar(wholeCharacters(p.getText(), at), t == JsonToken.VALUE_STRING, at);
            default -> throw new PolicyLoadException(at, "unsupported YAML content (" + t + ")");
        };
    }

    /**
     * {@code text}, if it holds no half of a UTF-16 pair without its other half (YAML's "\\uDD38" escape makes one):
     * that is no character, and Cedar, which gets the policy's text through JNI, read every character outside the
     * BMP of the whole text as U+FFFD once one was in it (a deny of "/\\U0001F600/**" no longer matched).
     */
    private static String wholeCharacters(String text, SourcePos at) throws PolicyLoadException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new PolicyLoadException(
                        at,
                        String.format(
                                "U+%04X is half of a UTF-16 pair, not a character: write the character or its"
                                        + " \\U escape",
                                (int) c));
            }
        }
        return text;
    }

    /**
     * Notes an anchor ({@code &name}) and refuses an alias ({@code *name}), which the parser hands over as the plain
     * string "name": {@code peer: {uid: *hv}} loaded as the account "hv". A policy says each value where it applies.
     */
    private void anchor(YAMLParser p, SourcePos at) throws IOException, PolicyLoadException {
        if (p.isCurrentAlias()) {
            SourcePos anchor = anchors.get(p.getText());
            throw new PolicyLoadException(at, YamlAliases.refusal(p.getText(), anchor == null ? 0 : anchor.line()));
        }
        if (p.getObjectId() instanceof String name) { // a mapping's or a list's; the parser gives no scalar's
            anchors.putIfAbsent(name, at);
        }
    }

    private YamlNode.Mapping mapping(JsonParser p, SourcePos at) throws IOException, PolicyLoadException {
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            SourcePos keyPos = pos(p.currentTokenLocation());
            String key = wholeCharacters(p.currentName(), keyPos);
            p.nextToken();
            YamlNode value = node(p);
            if (entries.containsKey(key)) {
                throw new PolicyLoadException(
                        keyPos,
                        "duplicate key '" + key + "' (first at line "
                                + entries.get(key).keyPos().line() + ")");
            }
            entries.put(key, new YamlNode.Entry(key, keyPos, value));
        }
        return new YamlNode.Mapping(entries, at);
    }

    private YamlNode.Sequence sequence(JsonParser p, SourcePos at) throws IOException, PolicyLoadException {
        List<YamlNode> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) items.add(node(p));
        return new YamlNode.Sequence(items, at);
    }
}
