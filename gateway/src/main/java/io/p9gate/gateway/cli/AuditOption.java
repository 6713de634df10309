package io.p9gate.gateway.cli;

import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import java.io.IOException;
import java.io.Serial;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --audit-dir DIR --audit-key FILE} of {@code p9gate serve}: where the signed audit log is written and
 * the private key that signs its checkpoints (R-AUD-1, R-AUD-2). Both or neither.
 */
final class AuditOption {
    @Option(
            names = "--audit-dir",
            paramLabel = "DIR",
            description = "Write the signed audit log here (created if missing; an existing log is continued).")
    Path dir;

    @Option(
            names = "--audit-key",
            paramLabel = "FILE",
            description = "Private key signing the audit checkpoints (from 'p9gate keys generate'; mode 0600).")
    Path key;

    @Option(
            names = "--audit-max-bytes",
            paramLabel = "BYTES",
            converter = ByteSize.class,
            description = "Disk budget: at most this much in the audit directory (e.g. 20GiB); below 20 %% left each "
                    + "VM may use only its share of that 20 %%, changes are refused (EIO) below 5 %% left, everything "
                    + "once a record no longer fits. Default: no limit.")
    long maxBytes;

    @Option(
            names = "--audit-min-free",
            paramLabel = "BYTES",
            converter = ByteSize.class,
            description = "Disk budget: leave at least this much free on the audit log's file system (same "
                    + "refusals as --audit-max-bytes, measured against the free space). Default: none.")
    long minFree;

    @Option(
            names = "--audit-segment-bytes",
            paramLabel = "BYTES",
            converter = ByteSize.class,
            description = "Start a new segment file once one reaches this size (default: 64MiB).")
    long segmentBytes;

    /** Whether the log's disk use is bounded (the production profile needs it). */
    boolean hasDiskBudget() {
        return maxBytes > 0 || minFree > 0;
    }

    /** Whether an audit log was asked for (any --audit-* option given: a missing dir or key is an error). */
    boolean enabled() {
        return dir != null || key != null || maxBytes > 0 || minFree > 0 || segmentBytes > 0;
    }

    /**
     * The log's options: production defaults, with the disk budget and segment size asked for, the end of the budget
     * shared by the {@code vms} served.
     */
    AuditOptions options(String origin, int vms) {
        AuditOptions options =
                AuditOptions.defaults(origin).withDiskBudget(maxBytes, minFree).withBudgetVms(vms);
        return segmentBytes > 0 ? options.withMaxSegmentBytes(segmentBytes) : options;
    }

    /**
     * Reads the key and opens the log for {@code vms} VMs.
     *
     * @throws CommandLine.ParameterException the options or the key file are wrong (one line, exit 2)
     * @throws AuditUnavailable               the log cannot be opened or continued (one line, exit 1)
     */
    SignedAuditTrail open(CommandLine commandLine, int vms) throws AuditUnavailable {
        if (dir == null || key == null) {
            throw new CommandLine.ParameterException(
                    commandLine,
                    dir == null
                            ? "--audit-key and the other --audit-* options need --audit-dir DIR"
                            : "--audit-dir needs --audit-key FILE");
        }
        SigningKey signingKey = signingKey(commandLine);
        // Made by createDirectories, these were "cannot open audit log F: F", the path twice and no reason.
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new AuditUnavailable("cannot open audit log " + dir
                    + ": it is not a directory (--audit-dir names the log's directory, made if missing)");
        }
        if (Files.isSymbolicLink(dir) && Files.notExists(dir)) {
            throw new AuditUnavailable("cannot open audit log " + dir + ": it is a symbolic link to " + linkTarget(dir)
                    + ", which does not exist (a link is not made into a directory)");
        }
        try {
            return SignedAuditTrail.open(dir, signingKey, options("p9gate/" + signingKey.name(), vms));
        } catch (IOException | AuditWriteException e) {
            throw new AuditUnavailable("cannot open audit log " + dir + ": " + e.getMessage());
        }
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "a path that cannot be read";
        }
    }

    private SigningKey signingKey(CommandLine commandLine) {
        try {
            return KeyFiles.readSigningKey(key);
        } catch (KeyFormatException e) {
            // It names the key: "K: is a directory (not a key file)", as every command says a key file.
            throw new CommandLine.ParameterException(commandLine, e.getMessage());
        } catch (IOException e) {
            // "K: permission denied", as the other commands say it: the JDK's message of EACCES is the path alone.
            String said = CliMessages.ioProblem(e);
            throw new CommandLine.ParameterException(
                    commandLine, said.startsWith(key + ": ") ? said : FileReason.said(key, said));
        }
    }

    /** The audit log cannot be opened: the gateway does not start (it would serve unrecorded). */
    static final class AuditUnavailable extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        AuditUnavailable(String message) {
            super(message);
        }
    }
}
