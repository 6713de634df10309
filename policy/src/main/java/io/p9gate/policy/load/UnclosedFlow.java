package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;
import java.nio.file.Path;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

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
        Mark opened = e.getContextMark();
        Mark noticed = e.getProblemMark();
        String where = noticed == null
                ? ""
                : " (at line " + (noticed.getLine() + 1) + ", column " + (noticed.getColumn() + 1)
                        + " the parser expected ',' or '" + close + "')";
        return new PolicyLoadException(
                new SourcePos(file, opened.getLine() + 1, opened.getColumn() + 1),
                "YAML syntax: '" + open + "' is not closed" + where);
    }
}
