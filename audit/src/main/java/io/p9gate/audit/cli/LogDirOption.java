package io.p9gate.audit.cli;

import io.p9gate.audit.note.LinkLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --log DIR} option shared by the audit subcommands. */
final class LogDirOption {
    @Option(names = "--log", required = true, paramLabel = "DIR", description = "Audit log directory.")
    Path dir;

    Path existing() throws UserError {
        if (LinkLoop.at(dir)) {
            throw new UserError(dir + ": " + LinkLoop.REASON, io.p9gate.audit.verify.FindingClass.IO_ERROR);
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError(
                    Files.exists(dir)
                            ? dir + " is not a directory (an audit log is a directory of segment-*.jsonl files)"
                            : "no such audit directory: " + dir,
                    io.p9gate.audit.verify.FindingClass.IO_ERROR);
        }
        return dir;
    }
}
