package io.p9gate.audit.cli;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.note.SmallFile;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.StoredLine;
import io.p9gate.audit.verify.FindingClass;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the audit and keys subcommands: runs the work and turns expected failures (bad files, bad keys, I/O)
 * into one line on stderr and a non-zero exit code.
 */
abstract class CliCommand implements Callable<Integer> {
    /** A pin is one signed note, a few hundred bytes (a sidecar line over 64 KiB is no checkpoint either). */
    static final int MAX_PIN_BYTES = 64 * 1024;

    /** A proof holds one record (at most 16 MiB, each byte at most two once in JSON) and checkpoints. */
    static final int MAX_PROOF_BYTES = 40 * 1024 * 1024;

    @Spec
    CommandSpec spec;

    private ProgressMeter progressLine = ProgressMeter.hidden();

    abstract int run() throws UserError, IOException;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (UserError e) {
            if (e.badOption()) {
                CliMessages.usageError(spec, e.getMessage());
            } else {
                error(e.getMessage());
            }
            return e.exitCode();
        } catch (IOException e) {
            error(CliMessages.ioProblem(e));
            return FindingClass.IO_ERROR;
        } catch (UncheckedIOException e) {
            error(CliMessages.ioProblem(e.getCause()));
            return FindingClass.IO_ERROR;
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** One line on stderr ({@link CliMessages}); the message may quote file contents, so it is escaped. */
    private void error(String message) {
        err().println(CliMessages.error(spec, message));
    }

    void warning(String message) {
        progressLine.clear();
        err().println(CliMessages.warning(spec, message));
    }

    /**
     * The command's progress line ({@code --progress}), which a warning wipes first: "skipping unreadable line …"
     * was glued to it.
     */
    ProgressMeter progressLine(ProgressOption option, String doing) {
        progressLine = option.meter(doing, err());
        return progressLine;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * The record on this line, or null (with a warning on stderr) when the line is not a readable record. The
     * writer stores only printable ASCII (every other character is a JSON escape), so a line holding any other
     * byte was not written by it and is skipped too: printed as is, it could drive the reviewer's terminal.
     */
    AuditRecord parsed(StoredLine line) {
        for (byte b : line.bytes()) {
            if (b < 0x20 || b > 0x7e) {
                skipping(line, "a byte that the writer never stores");
                return null;
            }
        }
        try {
            return AuditRecord.parse(line.bytes());
        } catch (IOException e) {
            skipping(line, "not a record");
            return null;
        }
    }

    private void skipping(StoredLine line, String why) {
        warning("skipping unreadable line at " + line.segment().getFileName() + " offset " + line.offset() + " (" + why
                + ")");
    }

    /** Reads trusted public key files; a bad one is a usage error naming the file. */
    static List<VerifierKey> readKeys(List<Path> files) throws UserError, IOException {
        List<VerifierKey> keys = new ArrayList<>();
        for (Path f : files) {
            try {
                keys.add(KeyFiles.readVerifierKey(f));
            } catch (KeyFormatException e) {
                throw usage(
                        isPrivateKey(f)
                                ? f + " is a private key: give the public key (the .pub file written with"
                                        + " it), which is all a reviewer needs"
                                : e.getMessage().contains(f.toString()) ? e.getMessage() : f + ": " + e.getMessage());
            }
        }
        return keys;
    }

    /** Whether a file that is no public key is the private one (a reviewer's easy slip: audit.key for audit.pub). */
    private static boolean isPrivateKey(Path file) throws IOException {
        try {
            byte[] text = SmallFile.read(file, MAX_PIN_BYTES);
            SigningKey.parse(new String(text, StandardCharsets.US_ASCII).strip());
            return true;
        } catch (KeyFormatException | SmallFile.UnfitException | NoSuchFileException e) {
            return false;
        }
    }

    /**
     * The UTF-8 text of a file the user named as {@code what} (a pin, a proof); missing, binary, no regular file or
     * longer than {@code maxBytes} is a usage error naming it.
     */
    static String text(Path file, String what, int maxBytes) throws UserError, IOException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(SmallFile.read(file, maxBytes)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw usage(FileReason.missing(file));
        } catch (SmallFile.UnfitException e) {
            throw usage(FileReason.said(file, e.getMessage()) + " (not " + what + ")");
        } catch (CharacterCodingException e) {
            throw usage(file + " is not " + what + ": it is not UTF-8 text");
        }
    }

    static UserError usage(String message) {
        return new UserError(message, FindingClass.USAGE);
    }

    /** A value of an option or parameter the command cannot use: ends with {@code (see 'COMMAND --help')}. */
    static UserError badOption(String message) {
        return UserError.badOption(message, FindingClass.USAGE);
    }

    static UserError badKey(KeyFormatException e) {
        return usage(e.getMessage());
    }
}
