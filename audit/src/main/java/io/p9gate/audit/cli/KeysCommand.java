package io.p9gate.audit.cli;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.PrintableText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code p9gate keys}: audit signing keys. */
@Command(
        name = "keys",
        description = "Manage the Ed25519 keys that sign audit checkpoints.",
        mixinStandardHelpOptions = true,
        subcommands = KeysCommand.Generate.class,
        footerHeading = "%nExamples:%n",
        footer = {"  p9gate keys generate --name ecu-a-audit --out /etc/p9gate/audit"})
public final class KeysCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand (generate)");
    }

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description = "Write PREFIX.key (private, mode 0600) and PREFIX.pub (give this one to reviewers).",
            footerHeading = "%nExamples:%n",
            footer = {"  p9gate keys generate --name ecu-a-audit --out /etc/p9gate/audit"})
    static final class Generate extends CliCommand {
        @Option(names = "--name", required = true, description = "Key name shown in checkpoint signatures.")
        String name;

        // A string, not a Path: Path drops the trailing '/' that tells "a directory" apart from a prefix.
        @Option(
                names = "--out",
                required = true,
                paramLabel = "PREFIX",
                description = "Path prefix of the key files: --out /etc/p9gate/audit writes /etc/p9gate/audit.key"
                        + " and /etc/p9gate/audit.pub. A directory is refused.")
        String prefix;

        @Override
        int run() throws UserError, IOException {
            // A directory given as --out would put DIR.key beside it, not inside: say what to give instead.
            Path given;
            try {
                given = Path.of(prefix);
            } catch (InvalidPathException e) {
                throw usage("--out " + prefix + " is not a usable path: " + e.getReason());
            }
            if (prefix.endsWith("/") || Files.isDirectory(given)) {
                String dir = prefix.replaceAll("/+$", "");
                throw usage("--out " + prefix + " names a directory; --out takes a path prefix: give a name inside it,"
                        + " e.g. --out " + dir + "/audit (writes " + dir + "/audit.key and " + dir + "/audit.pub)");
            }
            SigningKey key;
            try {
                key = SigningKey.generate(name, new SecureRandom());
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            Path priv = Path.of(given + ".key");
            Path pub = Path.of(given + ".pub");
            try {
                KeyFiles.writeKeyPair(key, priv, pub);
            } catch (KeyFormatException e) {
                throw badKey(e);
            }
            out().println(key.verifierKey().format());
            if (out().checkError()) {
                // Standard output failed (full, or its reader gone): that is the one line said (StandardOutput);
                // the key files are whole and stay, PREFIX.pub holds what was not printed.
                return 0;
            }
            // Escaped as an error line is: a newline in --out would forge a line of the terminal.
            err().println("wrote " + PrintableText.escape(priv.toString()) + " (private, 0600) and "
                    + PrintableText.escape(pub.toString()) + " (public)");
            return 0;
        }
    }
}
