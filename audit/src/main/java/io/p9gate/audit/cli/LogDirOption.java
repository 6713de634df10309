package io.p9gate.audit.cli;

import io.p9gate.audit.read.LogDirectory;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --log DIR} option shared by the audit subcommands. */
final class LogDirOption {
    @Option(names = "--log", required = true, paramLabel = "DIR", description = "Audit log directory.")
    Path dir;

    Path existing() throws UserError {
        var why = LogDirectory.notADirectory(dir);
        if (why.isPresent()) {
            throw new UserError(why.get(), io.p9gate.audit.verify.FindingClass.IO_ERROR);
        }
        return dir;
    }

    /** {@link #existing()}, which must also hold a log: a review of an empty directory is a mistyped --log. */
    Path holdingLog() throws UserError, IOException {
        var why = LogDirectory.noLog(existing());
        if (why.isPresent()) {
            throw new UserError(why.get(), io.p9gate.audit.verify.FindingClass.IO_ERROR);
        }
        return dir;
    }
}
