package io.p9gate.audit.cli;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.StoredLine;
import io.p9gate.audit.verify.FindingClass;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
    @Spec
    CommandSpec spec;

    abstract int run() throws UserError, IOException;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (UserError e) {
            error(e.getMessage());
            return e.exitCode();
        } catch (NoSuchFileException e) {
            error("no such file or directory: " + e.getFile());
            return FindingClass.IO_ERROR;
        } catch (IOException e) {
            error(e.getMessage());
            return FindingClass.IO_ERROR;
        } catch (UncheckedIOException e) {
            error(e.getCause().getMessage());
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
        err().println(CliMessages.warning(spec, message));
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
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            SigningKey.parse(Files.readString(file, StandardCharsets.US_ASCII).strip());
            return true;
        } catch (KeyFormatException | java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    /** The UTF-8 text of a file the user named as {@code what} (a pin, a proof); binary is a usage error. */
    static String text(Path file, String what) throws UserError, IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw usage(file + " is not " + what + ": it is not UTF-8 text");
        }
    }

    static UserError usage(String message) {
        return new UserError(message, FindingClass.USAGE);
    }

    static UserError badKey(KeyFormatException e) {
        return usage(e.getMessage());
    }
}
