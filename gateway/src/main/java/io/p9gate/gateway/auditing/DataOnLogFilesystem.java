package io.p9gate.gateway.auditing;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.RecordPhase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guest data a change writes on the audit log's file system: a Twrite to a share there takes the free space the
 * log's records need, which the disk budget samples only now and then. Counted, the budget refuses a VM's flood of
 * writes (ENOSPC) before its free-space reserve, instead of another VM's records failing on a full disk. A share
 * whose device cannot be read counts as on the log's file system (the budget samples the real free space soon).
 *
 * <p>Changes without data take blocks and inodes there too (a directory a block, a long symlink target a block, an
 * xattr its value): each is counted as data by an estimate of its footprint, and the inode it makes as an inode
 * ({@link Footprint#of}). An estimate only: a share quota, or the log on a file system of its own, is the real bound.
 */
public final class DataOnLogFilesystem {
    /** Counts no data: shares elsewhere, or no free-space reserve. */
    public static final DataOnLogFilesystem NONE = new DataOnLogFilesystem(null, (vm, share) -> Optional.empty());

    /** The host directory of a VM's share under the configuration in force; empty if there is none. */
    @FunctionalInterface
    public interface ShareDirs {
        Optional<Path> of(String vm, String share);
    }

    private final Object logDevice;
    private final ShareDirs shareDirs;
    /** Per share directory (bounded by the shares of the policies loaded): whether it is on the log's device. */
    private final Map<Path, Boolean> onLogDevice = new ConcurrentHashMap<>();

    /** @param logDir the audit log's directory */
    public DataOnLogFilesystem(Path logDir, ShareDirs shareDirs) {
        this.logDevice = logDir == null ? null : deviceOf(logDir);
        this.shareDirs = Objects.requireNonNull(shareDirs);
    }

    /** What the change {@code entry} announces takes on the log's file system ({@link Footprint#NONE} elsewhere). */
    Footprint footprintOf(AuditEntry entry) {
        if (entry.phase() != RecordPhase.INTENT) {
            return Footprint.NONE;
        }
        Footprint footprint = Footprint.of(entry);
        if (footprint.equals(Footprint.NONE)) {
            return footprint;
        }
        Optional<Path> dir = shareDirs.of(entry.request().vm(), entry.request().share());
        return dir.isPresent() && holds(dir.get()) ? footprint : Footprint.NONE;
    }

    /** Whether {@code dir} is on the log's file system (or cannot be told apart from it). */
    public boolean holds(Path dir) {
        return onLogDevice.computeIfAbsent(dir, this::onLogDevice);
    }

    private boolean onLogDevice(Path dir) {
        Object device = deviceOf(dir);
        return device == null || logDevice == null || device.equals(logDevice);
    }

    private static Object deviceOf(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:dev");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }
}
