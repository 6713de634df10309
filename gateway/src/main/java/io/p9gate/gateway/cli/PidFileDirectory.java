package io.p9gate.gateway.cli;

import io.p9gate.gateway.policyadapter.ChangeableByOthers;
import io.p9gate.gateway.wiring.ThisProcess;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The directory of {@code serve --pid-file}: refused where another user could replace the pid file. */
final class PidFileDirectory {
    private PidFileDirectory() {}

    /**
     * In a directory others may write without the sticky bit (chmod 777, or 775 of a group other than root's), anyone
     * who may can rename their own file onto the pid file or FILE.reload: another pid for {@code policy reload} to
     * signal, a false outcome for it to report; so can the directory's owner whatever its mode, unless that is root or
     * the gateway's own user. The same holds one level up for every directory above it, as written and as it
     * resolves: whoever may rename entries there can move the pid file's directory away and make another in its
     * place (--pid-file /home/bob/run/p9gate.pid, /home/bob/run root's). Written as a new file renamed into place
     * ({@code RunFile}), they are safe in a sticky /tmp or in /run/p9gate.
     *
     * @throws IllegalArgumentException one line, naming the directory
     */
    static void refuseUnsafe(Path pidFile) {
        Path dir = pidFile.toAbsolutePath().getParent();
        String refused = "--pid-file " + pidFile + ": its directory " + dir;
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            return; // a directory that cannot be looked at fails with its own words when the file is written
        }
        Set<Path> places = new LinkedHashSet<>();
        for (Path p = real; p != null; p = p.getParent()) {
            places.add(p);
        }
        // Every directory the kernel looks a name up in on the way, link after link (root's /var/lib/p9gate/run ->
        // bob's /tmp/p9run -> /run/p9gate: neither the path as written nor as resolved names bob's), and every
        // symlink followed: its owner may point it elsewhere.
        List<Path> links = new ArrayList<>();
        try {
            places.addAll(ChangeableByOthers.directoriesLookedUpIn(dir, true, links::add));
        } catch (FileSystemLoopException e) {
            throw new IllegalArgumentException(refused + " has " + ChangeableByOthers.TOO_MANY_LINKS
                    + " (give its real path, such as /run/p9gate)");
        }
        places.addAll(links);
        for (Path p : places) {
            String why = whoElseMayRenameIn(p);
            if (why == null) {
                continue;
            }
            if (p.equals(real) || p.equals(dir)) {
                throw new IllegalArgumentException(refused + " " + why + ", so another user could replace the pid file"
                        + " (use /run/p9gate, or a directory of root or of this user that only it may write)");
            }
            throw new IllegalArgumentException(refused + " is below " + p + ", which " + why
                    + ", so another user could move the directory away and put another pid file in its place"
                    + " (use /run/p9gate)");
        }
    }

    /**
     * What lets another user than root and this one rename the entries of {@code place} (not followed if it is a
     * symlink: then who may point it elsewhere), or null if nothing does.
     */
    private static String whoElseMayRenameIn(Path place) {
        int mode;
        int owner;
        int group;
        try {
            Map<String, Object> attributes =
                    Files.readAttributes(place, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            mode = (Integer) attributes.get("mode");
            owner = (Integer) attributes.get("uid");
            group = (Integer) attributes.get("gid");
        } catch (IOException e) {
            return null; // as above: writing the file says why
        }
        boolean symlink = (mode & 0170000) == 0120000; // its own mode bits mean nothing
        if (!symlink && (mode & 01000) == 0) {
            if ((mode & 0002) != 0) {
                return "is writable by others without the sticky bit";
            }
            if ((mode & 0020) != 0 && group != 0) {
                return "is writable by group " + group + " without the sticky bit";
            }
        }
        if (owner != 0 && owner != ThisProcess.INSTANCE.uid()) {
            return "belongs to uid " + owner;
        }
        return null;
    }
}
