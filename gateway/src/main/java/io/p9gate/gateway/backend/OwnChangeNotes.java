package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's own renames and unlinks under way in directories one VM's instance watches ({@link VmInotify}), by
 * watch, event and name: their events tell no move by the host (each advances what it must itself), and every
 * unlink in a watched directory made each handle of the share ask the kernel again, with one lookup per level.
 * Unlinks and renames away are counted: the kernel merges only identical events queued back to back, and two of one
 * name in one directory have between them the event that made the name again (IN_CREATE or IN_MOVED_TO, both read:
 * {@link VmInotify}), so each such own change queues an event of its own. Noted as present or not, a second own
 * unlink of a name before the first's event was read left its event unmatched: another VM's create and unlink of one
 * name in a loop advanced an overlapping share once a round (OverlappingChurnAdvancesAttackTest). Own changes of one
 * name in one directory are made one at a time, under the entry's lock ({@link #make}); one whose event is left
 * unmatched only advances the counters (safe). Each with what makes its event the gateway's own when read
 * ({@link Credit}).
 */
final class OwnChangeNotes {
    /** {@code event}: IN_MOVED_FROM for a rename, IN_DELETE for an unlink, IN_MOVED_TO for a rename's target. */
    private record Own(int wd, int event, String name) {}

    /** Whether the event an own change's note matches is the gateway's own; asked on the reader's thread. */
    private sealed interface Credit {
        boolean stillOwn();

        /** What is left once an event took one change's credit, or the change was withdrawn; null: nothing. */
        Credit lessOne();

        /** This credit with that of a {@code later} change of the same event and name. */
        Credit plus(Credit later);

        /**
         * IN_MOVED_FROM, IN_DELETE: the host's same event of the name needs the name made again first, whose
         * IN_CREATE or IN_MOVED_TO keeps the two apart (the mask of {@link VmInotify}): one event per change.
         */
        record Left(int changes) implements Credit {
            @Override
            public boolean stillOwn() {
                return true;
            }

            @Override
            public Credit lessOne() {
                return changes > 1 ? new Left(changes - 1) : null;
            }

            @Override
            public Credit plus(Credit later) {
                return switch (later) {
                    case Left more -> new Left(changes + more.changes);
                    case Arrived arrived -> arrived; // never: the event, part of the note's key, tells them apart
                };
            }
        }

        /**
         * IN_MOVED_TO: the host's rename onto the same name right after ({@code mv /elsewhere/new name}) needs nothing
         * between, and the kernel merges its IN_MOVED_TO into the gateway's while that is the last one queued (it
         * compares mask, watch and name, not the cookie). So the event read is the gateway's own only if the name
         * still holds the file the gateway moved there, looked at once the event is read, after any rename merged
         * into it. A name gone, or a directory whose handle closed meanwhile, counts as the host's (an advance; not
         * for a directory, which moves no path: {@link VmInotify#read}). Not counted, since two such events merge:
         * the later change's file is the one to look for.
         */
        record Arrived(Node dir, String name, FileKey file) implements Credit {
            @Override
            public boolean stillOwn() {
                return file.equals(Inodes.keyAt(dir, name));
            }

            @Override
            public Credit lessOne() {
                return null;
            }

            @Override
            public Credit plus(Credit later) {
                return later;
            }
        }
    }

    private static final Credit LEFT = new Credit.Left(1);

    /** An own change's note in one instance, with the watch whose event takes it. */
    private record Note(OwnChangeNotes notes, Own change, Credit credit, DirWatch watch) {}

    private final Map<Own, Credit> notes = new ConcurrentHashMap<>();

    boolean isEmpty() {
        return notes.isEmpty();
    }

    /** Whether the event was the gateway's own; one change's credit of its note, if any, is taken. */
    boolean take(int wd, int event, String name) {
        Credit credit = lessOne(new Own(wd, event, name));
        return credit != null && credit.stillOwn();
    }

    /** Takes one change's credit of {@code change}'s note; returns the note as it was, or null if there was none. */
    private Credit lessOne(Own change) {
        Credit[] was = {null};
        notes.computeIfPresent(change, (own, credit) -> {
            was[0] = credit;
            return credit.lessOne();
        });
        return was[0];
    }

    /** Events were lost: an own change's may be among them, whose note would take the host's next of that name. */
    void clear() {
        notes.clear();
    }

    /**
     * No event of {@code wd} comes after its IN_IGNORED (or its removal): a note left would wait for whatever watch
     * gets the descriptor again and pass an event of that one for the gateway's own.
     */
    void forget(int wd) {
        notes.keySet().removeIf(o -> o.wd() == wd);
    }

    /**
     * Makes {@code change} with its events noted in every one of {@code all} watching the directories (shares of
     * several VMs may hold them). The gateway's changes of one name in one directory are made one at a time, under
     * the entry's lock ({@link EntryLocks}, reentrant: renames and unlinks hold it already), watched or not: an unlink of a rename's source name by another request between the rename and its
     * look at that name would make a rename that did nothing look like one that moved the name, and its notes would
     * stay for the host's moves. rename(2) of a name onto a hard link of the same file does nothing and queues no
     * event: both names the same file before it ({@code replacing}), no note is made; the source name still there
     * after it withdraws the notes; made anew meanwhile, the rename's events, unmatched, only advance the counters.
     */
    static void make(
            List<VmInotify> all,
            Node dir,
            String name,
            int event,
            Node newDir,
            String newName,
            boolean replacing,
            HostMoves.Change change)
            throws P9Exception {
        if (all.isEmpty()) {
            change.make();
            return;
        }
        boolean watched = all.stream()
                .anyMatch(i -> i.watched(dir.key()) != null || (newDir != null && i.watched(newDir.key()) != null));
        try (Entries.Holding _ = EntryLocks.lock(dir, name)) {
            // The file a rename moves, for its IN_MOVED_TO's credit, and whether both names are it already, so that
            // rename(2) does nothing and queues no event. Seen before the rename as well as after it: the host's
            // unlink of the source name between a rename that did nothing and the look after it read as a move, and
            // its notes waited to pass the host's next moves. A host change in between that makes it move after all
            // leaves its events unmatched, which only advances the counters.
            FileKey moving = watched && newDir != null ? Inodes.keyAt(dir, name) : null;
            boolean sameFile = replacing && moving != null && moving.equals(Inodes.keyAt(newDir, newName));
            List<Note> notes = sameFile ? List.of() : notes(all, dir, name, event, newDir, newName, moving);
            notes.forEach(OwnChangeNotes::note);
            try {
                change.make();
            } catch (P9Exception | RuntimeException e) {
                notes.forEach(OwnChangeNotes::withdraw);
                throw e;
            }
            Runnable hook = HostMoves.beforeRenameCheckForTests;
            if (hook != null && replacing && watched) {
                hook.run();
            }
            if (replacing && !notes.isEmpty() && notMoved(dir, name)) {
                notes.forEach(n -> n.notes.lessOne(n.change));
            }
        }
    }

    /**
     * The notes of a change in every instance watching its directories; an IN_MOVED_TO only with the file it moves
     * ({@code moving}; null: its event advances the counters).
     */
    private static List<Note> notes(
            List<VmInotify> all, Node dir, String name, int event, Node newDir, String newName, FileKey moving) {
        List<Note> notes = new ArrayList<>(2);
        for (VmInotify inotify : all) {
            DirWatch from = inotify.watched(dir.key());
            if (from != null) {
                notes.add(new Note(inotify.notes(), new Own(from.wd, event, name), LEFT, from));
            }
            DirWatch to = moving == null ? null : inotify.watched(newDir.key());
            if (to != null) {
                Credit arrived = new Credit.Arrived(newDir, newName, moving);
                notes.add(new Note(inotify.notes(), new Own(to.wd, HostMoves.IN_MOVED_TO, newName), arrived, to));
            }
        }
        return notes;
    }

    private static void note(Note note) {
        note.notes.notes.merge(note.change, note.credit, Credit::plus);
        if (!note.watch.inotify.holds(note.watch)) {
            note.notes.lessOne(note.change); // the watch went meanwhile: no event of it will take the note
        }
    }

    /** A change that failed: its credit withdrawn; already taken, the event that took it may have been the host's. */
    private static void withdraw(Note note) {
        if (note.notes.lessOne(note.change) == null) {
            note.watch.advanceShares();
        }
    }

    /** After a rename of {@code name} out of {@code dir} that may have done nothing: whether the name is still there. */
    private static boolean notMoved(Node dir, String name) {
        try {
            Inodes.statAt(dir, name);
        } catch (P9Exception e) {
            return e.errno() != Errno.ENOENT; // moved: its events take the notes
        }
        return true;
    }
}
