package io.p9gate.policy.cli;

import io.p9gate.audit.note.DiskSync;
import io.p9gate.audit.read.PrintableText;
import io.p9gate.policy.cli.fmt.CedarFormatter;
import io.p9gate.policy.cli.fmt.Formatting;
import io.p9gate.policy.cli.fmt.YamlFormatter;
import io.p9gate.policy.load.IoReason;
import io.p9gate.policy.load.PolicyFileText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
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
        boolean noFile = false;
        for (Path file : files) {
            if (refusedAsNoFile(file)) {
                noFile = true;
                continue;
            }
            String text;
            try {
                // Read from the file the link names now, which is the file written: a link retargeted in
                // between must not get another file's text.
                text = PolicyFileText.text(file.toRealPath());
            } catch (IOException e) {
                error(file + ": " + IoReason.of(e));
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
                    cmd.getOut().println(PrintableText.escape(file.toString())); // one name, one line
                }
            }
        }
        if (noFile) {
            return USAGE; // bad input outranks a file that could not be formatted
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
            Path dir = target.getParent();
            requireNoOtherWriter(dir);
            requireOneLink(target);
            PosixFileAttributes attributes = posixAttributes(target);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".fmt");
            try {
                // Never through a link (defence in depth: requireNoOtherWriter keeps others from planting one),
                // and on disk before the rename, so that a crash leaves the old policy or the new, never an empty one.
                try (FileChannel out = FileChannel.open(
                        tmp,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        LinkOption.NOFOLLOW_LINKS)) {
                    ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                    while (bytes.hasRemaining()) {
                        out.write(bytes);
                    }
                    DiskSync.FORCED.file(out);
                }
                if (attributes != null) {
                    PosixFileAttributeView view =
                            Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                    keepOwnership(view, attributes);
                    view.setPermissions(attributes.permissions());
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                DiskSync.FORCED.directory(dir);
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

    /**
     * The new file is made beside the policy and renamed over it: where another user can create and rename entries
     * (a directory not owned by this user or root, or group/other-writable without the sticky bit), that user could
     * swap the temporary file for a link to any file between its creation and the rename, and fmt, often run as
     * root, would have written, chown'ed and chmod'ed that file.
     */
    private static void requireNoOtherWriter(Path dir) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(dir, PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            return;
        }
        String me = System.getProperty("user.name");
        String owner = a.owner().getName();
        boolean sticky = ((Integer) Files.getAttribute(dir, "unix:mode") & 01000) != 0;
        Set<PosixFilePermission> p = a.permissions();
        boolean othersWrite =
                p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
        if (!(owner.equals(me) || owner.equals("root")) || (othersWrite && !sticky)) {
            throw new IOException("another user can write its directory " + dir + " (owner " + owner + ", mode "
                    + PosixFilePermissions.toString(p) + "): format a copy, or make the directory writable only by"
                    + " its owner");
        }
    }

    /**
     * The new file renamed over a name leaves the file's other hard links with the old text. Writing in place instead
     * would keep them, but a reload or a crash could then meet half a policy: fmt refuses such a file.
     */
    private static void requireOneLink(Path file) throws IOException {
        int links;
        try {
            links = (Integer) Files.getAttribute(file, "unix:nlink");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return;
        }
        if (links > 1) {
            throw new IOException("it has " + links + " hard links, and fmt renames a new file over it, which would"
                    + " part this name from the others (format a copy, then copy it over the file)");
        }
    }

    private static void keepOwnership(PosixFileAttributeView view, PosixFileAttributes original) throws IOException {
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
