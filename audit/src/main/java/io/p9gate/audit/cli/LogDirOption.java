package io.p9gate.audit.cli;

import io.p9gate.audit.read.LogDirectory;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --log DIR} option shared by the audit subcommands. A DIR that is not there, no directory or holds no log
 * is bad input, exit 2 in every command (docs/cli.md): it was 1, a failure while reading, here and 2 in {@code policy
 * replay}.
 */
final class LogDirOption {
    @Option(names = "--log", required = true, paramLabel = "DIR", description = "Audit log directory.")
    Path dir;

    Path existing() throws UserError {
        var why = LogDirectory.notADirectory(dir);
        if (why.isPresent()) {
            throw new UserError(why.get(), io.p9gate.audit.verify.FindingClass.USAGE);
        }
        return dir;
    }

    /** {@link #existing()}, which must also hold a log: a review of an empty directory is a mistyped --log. */
    Path holdingLog() throws UserError, IOException {
        var why = LogDirectory.noLog(existing());
        if (why.isPresent()) {
            throw new UserError(why.get(), io.p9gate.audit.verify.FindingClass.USAGE);
        }
        return dir;
    }
}
