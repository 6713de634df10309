package io.p9gate.policy.cli;

import io.p9gate.policy.cli.fmt.CedarFormatter;
import io.p9gate.policy.cli.fmt.Formatting;
import io.p9gate.policy.cli.fmt.YamlFormatter;
import io.p9gate.policy.load.IoReason;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code policy fmt [--check] FILE...}: rewrites policy YAML, policy-test YAML and hand-written Cedar files in their
 * canonical layout (like {@code opa fmt}, {@code cedar format}), or with {@code --check} only names the files that are
 * not. A file that cannot be formatted without moving a comment or changing its meaning is refused and left as it is.
 */
@Command(
        name = "fmt",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrite policy files (YAML and .cedar) in their canonical layout; comments are kept.",
            "Prints the name of each file it changed (with --check: would change)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate policy fmt policies/*.yaml policies/*.cedar",
            "  p9gate policy fmt --check policies/*.yaml   # in CI: exit 1 and the names of unformatted files"
        })
final class FmtCommand extends Subcommand {

    @Option(names = "--check", description = "change nothing; name the files that are not formatted and exit 1 if any")
    boolean check;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "policy or policy-test YAML files, .cedar files")
    List<Path> files;

    @Override
    int run(CommandLine cmd) {
        boolean failed = false;
        boolean unformatted = false;
        for (Path file : files) {
            String text;
            try {
                text = Files.readString(file);
            } catch (IOException e) {
                error(file + ": cannot read: " + IoReason.of(e));
                failed = true;
                continue;
            }
            Formatting result = file.getFileName().toString().endsWith(".cedar")
                    ? CedarFormatter.format(text)
                    : YamlFormatter.format(text);
            switch (result) {
                case Formatting.Refused r -> {
                    error(file + (r.line() == 0 ? "" : ":" + r.line() + ":" + r.column()) + ": cannot format: "
                            + r.reason());
                    failed = true;
                }
                case Formatting.Formatted f -> {
                    if (f.text().equals(text)) {
                        continue;
                    }
                    unformatted = true;
                    if (!check && !write(file, f.text())) {
                        failed = true;
                        continue;
                    }
                    cmd.getOut().println(file);
                }
            }
        }
        return failed || (check && unformatted) ? Loading.INVALID : 0;
    }

    /**
     * Replaces the file in one step (a reader never sees half of it), keeping its mode, owner and group: a policy
     * of the gateway's user, mode 0640, formatted by root, must stay readable by the gateway. A symbolic link is
     * followed, so the file it names is formatted and the link stays. A file whose owner cannot be kept (not root,
     * not the owner) is left as it is.
     */
    private boolean write(Path file, String text) {
        try {
            Path target = file.toRealPath();
            PosixFileAttributes attributes = posixAttributes(target);
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".fmt");
            try {
                Files.writeString(tmp, text);
                if (attributes != null) {
                    keepOwnership(tmp, attributes);
                    Files.setPosixFilePermissions(tmp, attributes.permissions());
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException e) {
            error(file + ": cannot write: " + IoReason.of(e));
            return false;
        }
    }

    /** The file's mode, owner and group, or null on a file system without them. */
    private static PosixFileAttributes posixAttributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private static void keepOwnership(Path tmp, PosixFileAttributes original) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        PosixFileAttributes fresh = view.readAttributes();
        try {
            if (!fresh.owner().equals(original.owner())) {
                view.setOwner(original.owner());
            }
            if (!fresh.group().equals(original.group())) {
                view.setGroup(original.group());
            }
        } catch (FileSystemException e) {
            throw new IOException("cannot keep its owner " + original.owner().getName() + ":"
                    + original.group().getName() + " (run fmt as that user or as root)");
        }
    }
}
