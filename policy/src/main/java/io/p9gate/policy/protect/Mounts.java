package io.p9gate.policy.protect;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * This process's mount table ({@code /proc/self/mountinfo}), to name any path by where it lies inside its
 * filesystem: a bind mount shows the same directory under a second path, which only this names the same.
 */
final class Mounts {
    /** One mount: filesystem {@code device} ("major:minor"), the directory {@code root} of it shown at {@code point}. */
    record Mount(String device, Path root, Path point) {}

    /** A path as its filesystem knows it: the same {@code device} and {@code inFs} mean the same directory. */
    record FsLocation(String device, Path inFs, Mount mount) {
        boolean within(FsLocation other) {
            return device.equals(other.device) && inFs.startsWith(other.inFs);
        }
    }

    private final List<Mount> mounts;

    private Mounts(List<Mount> mounts) {
        this.mounts = mounts;
    }

    /** The current mount table; empty if it cannot be read (then only paths and inodes are compared). */
    static Mounts current() {
        try {
            return parse(MountInfoField.table());
        } catch (IOException | RuntimeException e) {
            return new Mounts(List.of());
        }
    }

    static Mounts parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length >= 5) {
                out.add(new Mount(
                        f[2], Path.of(MountInfoField.unescaped(f[3])), Path.of(MountInfoField.unescaped(f[4]))));
            }
        }
        return new Mounts(List.copyOf(out));
    }

    /** Where {@code real} (a path without symlinks) lies in its filesystem: the last mount over it wins. */
    Optional<FsLocation> locate(Path real) {
        Mount best = null;
        for (Mount m : mounts) {
            if (real.startsWith(m.point())
                    && (best == null || m.point().getNameCount() >= best.point().getNameCount())) {
                best = m;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return Optional.of(new FsLocation(
                best.device(),
                best.root().resolve(best.point().relativize(real)).normalize(),
                best));
    }

    /** The mounts whose mount point lies strictly inside {@code real}: a share shows their contents too. */
    List<Mount> below(Path real) {
        return mounts.stream()
                .filter(m -> m.point().startsWith(real) && !m.point().equals(real))
                .toList();
    }
}
