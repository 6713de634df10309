package io.p9gate.policy.cli;

import io.p9gate.audit.cli.LineProgress;
import io.p9gate.audit.cli.ProgressMeter;
import io.p9gate.audit.cli.ProgressOption;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredLine;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.cli.replay.Replay;
import io.p9gate.policy.cli.replay.ReplayReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code policy replay --log DIR --policy NEW.yaml}: what a new policy would have answered to every request a
 * (verified) audit log recorded. Exit codes like diff: 0 nothing changes, 1 something does, 2 usage or errors.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description =
                "Re-decide every request of a verified audit log under a new policy and report what would change.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:no recorded request would be answered differently",
            "1:some would (newly denied, newly allowed, or another errno)",
            "2:usage error, a policy that does not load, or a log that cannot be read or does not verify"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate policy replay --log /var/lib/p9gate/audit --key /etc/p9gate/audit.pub --policy new.yaml",
            "  p9gate policy replay --log DIR --no-verify --policy new.yaml --format json --examples 3",
            "  p9gate policy replay --log DIR --key audit.pub --policy new.yaml --progress > changes.txt"
        })
final class ReplayCommand extends Subcommand {
    static final int CHANGES = 1;

    enum Format {
        text,
        json
    }

    @Option(names = "--log", required = true, paramLabel = "DIR", description = "the audit log directory")
    Path log;

    @Option(names = "--policy", required = true, paramLabel = "NEW.yaml", description = "the policy to replay under")
    Path policy;

    @Option(
            names = "--key",
            paramLabel = "PUB",
            description = "trusted public key of the log (repeat for rotated keys); needed unless --no-verify")
    List<Path> keyFiles = new ArrayList<>();

    @Option(names = "--no-verify", description = "replay without verifying the log first (a log you already trust)")
    boolean noVerify;

    @Option(names = "--format", paramLabel = "text|json", description = "output format (default: ${DEFAULT-VALUE})")
    Format format = Format.text;

    @Option(
            names = "--examples",
            paramLabel = "N",
            description = "example requests listed per change (default: ${DEFAULT-VALUE})")
    int examples = 10;

    @Mixin
    ProgressOption progress;

    @Override
    int run(CommandLine cmd) {
        if (examples < 0) {
            return usageError("--examples must be 0 or more, not " + examples);
        }
        if (keyFiles.isEmpty() && !noVerify) {
            return usageError("give the log's public key (--key PUB) to verify it first, or --no-verify");
        }
        var notADirectory = LogDirectory.notADirectory(log);
        if (notADirectory.isPresent()) {
            error(notADirectory.get());
            return USAGE;
        }
        PolicyEngine engine = Loading.engine(this, policy);
        if (engine == null) {
            return USAGE;
        }
        try {
            if (!noVerify && !verified(cmd)) {
                return USAGE;
            }
            // A directory holding no log (a mistyped --log) replayed as "0 records, unchanged": a change looked
            // harmless.
            var noLog = LogDirectory.noLog(log);
            if (noLog.isPresent()) {
                error(noLog.get());
                return USAGE;
            }
            Replay replay = new Replay(engine, examples);
            ProgressMeter meter = progress.meter("replaying", cmd.getErr());
            LineProgress reading = LineProgress.of(log, meter);
            try {
                SegmentReader.forEachLine(log, line -> {
                    reading.read(line);
                    replay(replay, line);
                });
            } finally {
                meter.done();
            }
            ReplayReport report =
                    new ReplayReport(log.toString(), policy.toString(), engine.digest(), !noVerify, replay);
            cmd.getOut().print(format == Format.json ? report.json() : report.text());
            return replay.anyChange() ? CHANGES : 0;
        } catch (IOException e) {
            error("cannot read the log " + log + ": " + e.getMessage());
            return USAGE;
        } catch (UncheckedIOException e) {
            error("cannot read the log " + log + ": " + e.getCause().getMessage());
            return USAGE;
        }
    }

    private static void replay(Replay replay, StoredLine line) {
        try {
            replay.add(AuditRecord.parse(line.bytes()));
        } catch (IOException e) {
            replay.unreadable();
        }
    }

    /** Verifies the log as {@code audit verify} does; false after saying why (the verifier's words). */
    private boolean verified(CommandLine cmd) throws IOException {
        List<VerifierKey> keys = new ArrayList<>();
        for (Path f : keyFiles) {
            try {
                keys.add(KeyFiles.readVerifierKey(f));
            } catch (KeyFormatException e) {
                usageError(e.getMessage().contains(f.toString()) ? e.getMessage() : f + ": " + e.getMessage());
                return false;
            }
        }
        ProgressMeter meter = progress.meter("verifying", cmd.getErr());
        VerificationReport report;
        try {
            report = new Verifier(keys, null, meter).verify(log);
        } finally {
            meter.done();
        }
        if (report.ok()) {
            return true;
        }
        List<String> lines = report.summary().lines().map(String::strip).toList();
        error("the log does not verify, so it is not replayed: "
                + String.join("; ", lines.subList(0, Math.min(2, lines.size())))
                + " (see 'p9gate audit verify'; --no-verify replays it anyway)");
        return false;
    }
}
