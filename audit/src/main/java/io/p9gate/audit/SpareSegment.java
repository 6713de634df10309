package io.p9gate.audit;

import io.p9gate.audit.read.WritableFile;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The next segment's file ({@link SegmentWriter#SPARE}), opened ahead of time so that a rotation needs no new file
 * descriptor: it is renamed into place ({@link SegmentWriter}, "Descriptors"). Re-armed with the descriptors a
 * rotation or a seal has just freed, on different threads: its methods hold its monitor. Best effort: without it
 * the log still works, but its next rotation needs a free descriptor.
 */
final class SpareSegment implements Closeable {
    /** The writer's: its operators' log lines about the spare keep the name they had. */
    private static final System.Logger LOG = System.getLogger(SegmentWriter.class.getName());

    private final Path file;
    private final SegmentWriter.SegmentFiles files;

    private RandomAccessFile spare;
    private AsynchronousFileChannel spareSync;
    private Object spareIdentity;

    /** Deletes what a crash left at {@code file} (never written to) and arms a new one. */
    SpareSegment(Path file, SegmentWriter.SegmentFiles files) throws IOException {
        this.file = file;
        this.files = files;
        Files.deleteIfExists(file);
        arm();
    }

    /**
     * Renames the spare to {@code at} (rename(2): no descriptor needed) and hands it over, or returns null when there
     * is none.
     *
     * @throws ReplacedFileException the name no longer holds it: it is dropped, the retried rotation makes a new one
     */
    synchronized CheckedSegmentFiles.Segment takeAs(Path at) throws IOException {
        if (spare == null) {
            return null;
        }
        try {
            CheckedSegmentFiles.renameOwn(file, at, spareIdentity);
        } catch (ReplacedFileException e) {
            drop();
            throw e;
        }
        CheckedSegmentFiles.Segment taken = new CheckedSegmentFiles.Segment(spare, spareSync, spareIdentity);
        spare = null;
        spareSync = null;
        return taken;
    }

    /** Opens what the spare lacks (both its descriptors, or its second one), with descriptors just freed. */
    synchronized void rearm() {
        if (spare == null) {
            arm();
        } else if (spareSync == null) {
            spareSync = CheckedSegmentFiles.syncChannel(files, file, spareIdentity);
        }
    }

    /** Whether the next rotation can happen without opening a file. */
    synchronized boolean ready() {
        return spare != null;
    }

    /** Closes the spare and removes its name. */
    @Override
    public synchronized void close() throws IOException {
        CheckedSegmentFiles.closeQuietly(spareSync);
        spareSync = null;
        if (spare != null) {
            spare.close();
            spare = null;
            Files.deleteIfExists(file);
        }
    }

    private void arm() {
        try {
            CheckedSegmentFiles.Segment made = CheckedSegmentFiles.openSegment(files, file, WritableFile.Rule.NEW);
            spare = made.file();
            spareSync = made.sync();
            spareIdentity = made.identity();
        } catch (IOException e) {
            spare = null;
            SafeLog.report(
                    LOG,
                    System.Logger.Level.WARNING,
                    "audit log: cannot prepare the next segment file (" + e.getMessage()
                            + "); the next rotation needs a free file descriptor");
        }
    }

    /** Forgets the spare, which its name no longer holds. */
    private void drop() {
        CheckedSegmentFiles.closeQuietly(spareSync);
        spareSync = null;
        try {
            spare.close();
        } catch (IOException e) {
            // never written: only its descriptor
        }
        spare = null;
    }
}
