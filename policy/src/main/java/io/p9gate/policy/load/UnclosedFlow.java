package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.Scanner;
import org.yaml.snakeyaml.scanner.ScannerImpl;
import org.yaml.snakeyaml.tokens.Token;

/**
 * A '[' or '{' that is never closed. The YAML parser notices only where the next key cannot be part of the list
 * (the line after), so the error is reported where the bracket opens, with where it was noticed.
 */
enum UnclosedFlow {
    SEQUENCE('[', ']', "flow sequence"),
    MAPPING('{', '}', "flow mapping");

    private final char open;
    private final char close;
    private final String yamlName;

    UnclosedFlow(char open, char close, String yamlName) {
        this.open = open;
        this.close = close;
        this.yamlName = yamlName;
    }

    /** The kind of bracket the parser was inside of when it failed, or null for any other syntax error. */
    static UnclosedFlow of(MarkedYAMLException e) {
        if (e.getContextMark() == null || e.getContext() == null) {
            return null;
        }
        for (UnclosedFlow f : values()) {
            if (e.getContext().contains("parsing a " + f.yamlName)) {
                return f;
            }
        }
        return null;
    }

    PolicyLoadException error(Path file, MarkedYAMLException e) {
        Mark noticed = e.getProblemMark();
        return error(
                file,
                e.getContextMark(),
                noticed == null
                        ? ""
                        : " (at line " + (noticed.getLine() + 1) + ", column " + (noticed.getColumn() + 1)
                                + " the parser expected ',' or '" + close + "')");
    }

    /**
     * The error for a '[' or '{' the file ends inside of after the bracket, a ',' or a key, or null if {@code e} is
     * not about such an end. There the parser wants a value and names no bracket ("while parsing a flow node ...
     * found '<stream end>'", at the end of the file): the scanner's tokens say which one is still open.
     */
    static PolicyLoadException atEnd(Path file, String text, MarkedYAMLException e) {
        if (e.getProblem() == null || !e.getProblem().contains("<stream end>")) {
            return null;
        }
        Deque<Token> open = new ArrayDeque<>();
        try {
            Scanner tokens = new ScannerImpl(new StreamReader(text), new LoaderOptions());
            while (!tokens.checkToken(Token.ID.StreamEnd)) { // checkToken scans on; getToken only hands over
                Token t = tokens.getToken();
                switch (t.getTokenId()) {
                    case FlowSequenceStart, FlowMappingStart -> open.push(t);
                    case FlowSequenceEnd, FlowMappingEnd -> open.poll();
                    default -> {}
                }
            }
        } catch (YAMLException unscannable) {
            return null;
        }
        Token innermost = open.peek();
        if (innermost == null) {
            return null;
        }
        UnclosedFlow kind = innermost.getTokenId() == Token.ID.FlowSequenceStart ? SEQUENCE : MAPPING;
        Mark end = e.getProblemMark();
        return kind.error(
                file,
                innermost.getStartMark(),
                end == null
                        ? " (the file ends inside it)"
                        : " (the file ends inside it, at line " + (end.getLine() + 1) + ", column "
                                + (end.getColumn() + 1) + ")");
    }

    private PolicyLoadException error(Path file, Mark opened, String where) {
        return new PolicyLoadException(
                new SourcePos(file, opened.getLine() + 1, opened.getColumn() + 1),
                "YAML syntax: '" + open + "' is not closed" + where);
    }
}
