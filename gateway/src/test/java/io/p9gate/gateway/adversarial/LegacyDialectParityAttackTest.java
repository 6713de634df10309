package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (round 17, R-POL-2..4): a 9P2000.u or 9P2000 guest asks through Tcreate (DMLINK, DMSYMLINK, DMNAMEDPIPE,
 * DMSOCKET, DMDEVICE, DMDIR), Twstat (a new name, or one field of mode, length, mtime, group with every other "don't
 * touch") and Topen (OTRUNC, ORDWR, ORCLOSE) what a 9P2000.L guest asks through Tlink, Tsymlink, Tmknod, Tmkdir,
 * Tlcreate, Trenameat, Tsetattr, Tlopen and Tremove. Under a read-only subtree, a hidden one, a deny of CREATE,
 * OPEN_WRITE and RENAME on {@code *.sh}, a drop box and a symlink to a host file outside the share, each of 95 such
 * pairs (hostile names included: "..", ".", "/", "a/b", 256 bytes, a hidden name) gets the same errno and leaves the
 * host (the outside file too) as the .L twin does, and every
 * refusal is recorded with the errno the guest was told. The only differences are the dialects' own: 9P2000 has no
 * special files (EINVAL, nothing made) and its rename replaces nothing (EEXIST); an empty name is stat(5)'s "don't
 * touch" (a sync). No defect found on main (test only; Low).
 */
class LegacyDialectParityAttackTest {
    private static final int DMLINK = 0x01000000;
    private static final int OTRUNC = 0x10;
    private static final int ORCLOSE = 0x40;
    private static final int ORDWR = 2;
    /** Tlcreate's O_EXCL: a Tcreate never opens an existing name (create(5)). */
    private static final int P9_EXCL = 0200;

    private static final String RULES = """
            read-only: [/ro]
            hidden: [/secret, /h/secret]
            rules:
              - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE, RENAME], paths: ["/**/*.sh"]}
              - {id: drop-box, effect: deny, ops: [OPEN_READ], paths: ["/drop/**"]}
            """;
    private static final String LONG = "x".repeat(256);

    @TempDir
    Path tmp;

    @FunctionalInterface
    private interface Action {
        void on(P9Client c, Dialect dialect) throws Exception;
    }

    /**
     * One request of each dialect; {@code legacy}: what 9P2000 answers where it differs from .L by its own rules
     * (null: as .L).
     */
    private record Case(String what, Action dotL, Action legacy, String plain9p) {
        Case(String what, Action dotL, Action legacy) {
            this(what, dotL, legacy, null);
        }
    }

    @Test
    void everyLegacyRequestIsAnsweredAndDecidedAsItsDotLTwin() throws Exception {
        List<String> differences = new ArrayList<>();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path share = gw.share("data");
            reset(share);
            String untouched = snapshot(share);
            for (Case k : cases()) {
                reset(share);
                String dotL = run(gw, Dialect.L, k.dotL());
                String dotLHost = snapshot(share);
                for (Dialect dialect : List.of(Dialect.U, Dialect.LEGACY)) {
                    reset(share);
                    int before = gw.records.size();
                    String answer = run(gw, dialect, k.legacy());
                    String host = snapshot(share);
                    boolean ownRule = dialect == Dialect.LEGACY && k.plain9p() != null;
                    String expected = ownRule ? k.plain9p() : dotL;
                    if (!answer.equals(expected)) {
                        differences.add(k.what() + " " + dialect + ": " + answer + ", .L " + dotL);
                    } else if (!host.equals(ownRule ? untouched : dotLHost)) {
                        differences.add(k.what() + " " + dialect + ": host " + host + ", .L " + dotLHost);
                    }
                    List<AuditEntry> records = gw.records.subList(before, gw.records.size());
                    // An unknown fid (a hard link's extension naming none) is EBADF before any decision, unrecorded.
                    if (!answer.equals("ok")
                            && !answer.equals("EBADF")
                            && records.stream()
                                    .noneMatch(r -> r.outcome().errno() != null
                                            && r.outcome().errno().name().equals(answer))) {
                        differences.add(k.what() + " " + dialect + ": " + answer + " not recorded");
                    }
                }
            }
        }
        assertEquals(List.of(), differences);
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (String name : List.of("..", ".", "/", "a/b", LONG, "secret", "ro")) {
            cases.add(new Case("rename to " + shown(name), (c, d) -> c.renameat(0, "notes", 0, name), (c, d) -> {
                c.walk(0, 1, "notes");
                c.rpc(wstat(d, 1, -1, name, -1, -1L, -1));
            }));
            cases.add(new Case(
                    "create " + shown(name), (c, d) -> c.lcreate(0, name, ORDWR | P9_EXCL, 0644, 0), (c, d) -> {
                        c.walk(0, 2);
                        c.rpc(create(d, 2, name, 0644, ORDWR, ""));
                    }));
            cases.add(new Case("mkdir " + shown(name), (c, d) -> c.mkdir(0, name, 0755, 0), (c, d) -> {
                c.walk(0, 2);
                c.rpc(create(d, 2, name, Stat.DMDIR | 0755, 0, ""));
            }));
        }
        cases.add(new Case("rename to the empty name", (c, d) -> c.renameat(0, "notes", 0, "notes"), (c, d) -> {
            c.walk(0, 1, "notes");
            c.rpc(wstat(d, 1, -1, "", -1, -1L, -1));
        }));
        cases.add(link("link ro/f", new String[] {"ro", "f"}, new String[0], "m"));
        cases.add(link("link run.sh as run.txt", new String[] {"bin", "run.sh"}, new String[0], "run.txt"));
        cases.add(link("link the drop box's letter out", new String[] {"drop", "letter"}, new String[0], "letter"));
        cases.add(link("link into ro", new String[] {"notes"}, new String[] {"ro"}, "n"));
        cases.add(link("link as a hidden name", new String[] {"notes"}, new String[0], "secret"));
        cases.add(symlink("symlink x.sh", new String[0], "x.sh", "/etc/passwd"));
        cases.add(symlink("symlink in ro", new String[] {"ro"}, "s", "../.."));
        cases.add(symlink("symlink as a hidden name", new String[0], "secret", "x"));
        cases.add(node("fifo p.sh", new String[0], "p.sh", 0010644, Stat.DMNAMEDPIPE, ""));
        cases.add(node("fifo in ro", new String[] {"ro"}, "p", 0010644, Stat.DMNAMEDPIPE, ""));
        cases.add(node("socket in the drop box", new String[] {"drop"}, "k", 0140644, Stat.DMSOCKET, ""));
        cases.add(node("device", new String[0], "dev", 0020644, Stat.DMDEVICE, "c 1 3"));
        cases.add(node("block device", new String[0], "blk", 0060644, Stat.DMDEVICE, "b 1 3"));
        cases.add(link("link the share root", new String[0], new String[0], "root2"));
        cases.add(link("link a directory", new String[] {"bin"}, new String[0], "bin2"));
        cases.add(symlink("symlink to the empty target", new String[0], "e", ""));
        cases.add(symlink("symlink to a hidden file", new String[0], "k", "secret/key"));
        for (String ext : List.of("1\n", " 1 ", "01")) {
            cases.add(special(
                    "link by extension '" + ext + "'",
                    (c, d) -> {
                        c.walk(0, 1, "notes");
                        c.walk(0, 2);
                        c.link(2, 1, "m");
                    },
                    new String[] {"notes"},
                    new String[0],
                    "m",
                    DMLINK,
                    ext.replace("\\n", "\n")));
        }
        for (String ext : List.of("c 1", "x 1 3", "c -1 3", "c 1 3 4", "c 0x1 3", "c 4294967296 0", "b")) {
            cases.add(special(
                    "device '" + ext + "'",
                    (c, d) -> {
                        throw new P9Exception(Errno.EINVAL, "no such device");
                    },
                    null,
                    new String[0],
                    "dev",
                    Stat.DMDEVICE,
                    ext));
        }
        for (String ext : List.of("", "x", "+1", "-1", "4294967296", "99")) {
            cases.add(special(
                    "link by extension '" + ext + "'",
                    (c, d) -> {
                        throw new P9Exception(ext.equals("99") ? Errno.EBADF : Errno.EINVAL, "no such fid");
                    },
                    new String[] {"notes"},
                    new String[0],
                    "m",
                    DMLINK,
                    ext));
        }
        cases.add(new Case("mkdir d.sh", (c, d) -> c.mkdir(0, "d.sh", 0755, 0), (c, d) -> {
            c.walk(0, 2);
            c.rpc(create(d, 2, "d.sh", Stat.DMDIR | 0755, 0, ""));
        }));
        cases.add(new Case(
                "create over the symlink esc", (c, d) -> c.lcreate(0, "esc", ORDWR | P9_EXCL, 0644, 0), (c, d) -> {
                    c.walk(0, 2);
                    c.rpc(create(d, 2, "esc", 0644, ORDWR, ""));
                }));
        cases.add(new Case("create y.sh", (c, d) -> c.lcreate(0, "y.sh", ORDWR | P9_EXCL, 0644, 0), (c, d) -> {
            c.walk(0, 2);
            c.rpc(create(d, 2, "y.sh", 0644, ORDWR, ""));
        }));
        cases.add(new Case(
                "create in ro",
                (c, d) -> {
                    c.walk(0, 2, "ro");
                    c.lcreate(2, "y", ORDWR | P9_EXCL, 0644, 0);
                },
                (c, d) -> {
                    c.walk(0, 2, "ro");
                    c.rpc(create(d, 2, "y", 0644, ORDWR, ""));
                }));
        cases.add(rename("rename notes to run2.sh", "", "notes", "run2.sh"));
        cases.add(rename("rename run.sh to run.txt", "bin", "run.sh", "run.txt"));
        cases.add(rename("rename the drop box", "", "drop", "drop2"));
        cases.add(rename("rename ro", "", "ro", "ro2"));
        cases.add(rename("rename ro/f", "ro", "f", "g"));
        cases.add(new Case(
                "rename onto a directory",
                (c, d) -> c.renameat(0, "notes", 0, "bin"),
                (c, d) -> {
                    c.walk(0, 1, "notes");
                    c.rpc(wstat(d, 1, -1, "bin", -1, -1L, -1));
                },
                "EEXIST"));
        // "esc": a symlink to a host file outside the share, which no request may open or change through the link.
        for (String[] file : List.of(
                new String[] {"ro", "f"},
                new String[] {"bin", "run.sh"},
                new String[] {"drop", "letter"},
                new String[] {"esc"})) {
            String at = String.join("/", file);
            cases.add(attr(
                    "truncate " + at,
                    file,
                    new SetAttr(SetAttr.SETATTR_SIZE, 0, -1, -1, 0, 0, 0, 0, 0),
                    d -> wstat(d, 1, -1, "", -1, 0L, -1)));
            cases.add(attr(
                    "chmod " + at,
                    file,
                    new SetAttr(SetAttr.SETATTR_MODE, 0600, -1, -1, 0, 0, 0, 0, 0),
                    // .u says a symlink's type in its mode (as the Linux client does): without it, a type change
                    // (EINVAL).
                    d -> wstat(
                            d, 1, (d == Dialect.U && at.equals("esc") ? Stat.DMSYMLINK : 0) | 0600, "", -1, -1L, -1)));
            cases.add(attr(
                    "mtime " + at,
                    file,
                    new SetAttr(SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET, 0, -1, -1, 0, 0, 0, 5, 0),
                    d -> wstat(d, 1, -1, "", 5, -1L, -1)));
            cases.add(attr(
                    "chgrp " + at,
                    file,
                    new SetAttr(SetAttr.SETATTR_GID, 0, -1, 5, 0, 0, 0, 0, 0),
                    d -> wstat(d, 1, -1, "", -1, -1L, 5)));
            cases.add(open("open " + at + " truncating", file, 01000, OTRUNC));
            cases.add(open("open " + at + " rdwr", file, ORDWR, ORDWR));
            if (file[0].equals("esc")) {
                cases.add(open("open esc", file, 0, 0));
                continue; // ORCLOSE of a symlink opens nothing (ELOOP), where Tremove removes the link
            }
            cases.add(new Case(
                    "remove " + at + " by ORCLOSE",
                    (c, d) -> {
                        c.walk(0, 1, file);
                        c.remove(1);
                    },
                    (c, d) -> {
                        c.walk(0, 1, file);
                        // Opened as the file may be (the drop box's letter written, not read), so only the removal is
                        // asked.
                        c.rpc(new TMessage.Topen(1, ORCLOSE | (file[0].equals("drop") ? 1 : 0)));
                        c.clunk(1);
                    }));
        }
        cases.add(new Case(
                "remove a directory holding a hidden name by ORCLOSE",
                (c, d) -> {
                    c.walk(0, 1, "h");
                    c.remove(1);
                },
                (c, d) -> {
                    c.walk(0, 1, "h");
                    c.rpc(new TMessage.Topen(1, ORCLOSE));
                    c.clunk(1);
                }));
        return cases;
    }

    private static String shown(String name) {
        return name.length() > 12 ? name.length() + " bytes" : "'" + name + "'";
    }

    /** A hard link of {@code file} as {@code name} in {@code dir}: Tlink, or Tcreate DMLINK naming fid 1. */
    private static Case link(String what, String[] file, String[] dir, String name) {
        Action dotL = (c, d) -> {
            c.walk(0, 1, file);
            c.walk(0, 2, dir);
            c.link(2, 1, name);
        };
        return special(what, dotL, file, dir, name, DMLINK, "1");
    }

    private static Case symlink(String what, String[] dir, String name, String target) {
        Action dotL = (c, d) -> {
            c.walk(0, 2, dir);
            c.symlink(2, name, target, 0);
        };
        return special(what, dotL, null, dir, name, Stat.DMSYMLINK, target);
    }

    /** A fifo, socket or device ({@code mode}: Tmknod's, with major 1 minor 3, as {@code extension} says a device). */
    private static Case node(String what, String[] dir, String name, int mode, int type, String extension) {
        Action dotL = (c, d) -> {
            c.walk(0, 2, dir);
            c.rpc(new TMessage.Tmknod(2, name, mode, 1, 3, 0));
        };
        return special(what, dotL, null, dir, name, type, extension);
    }

    /** Tlopen of {@code file} with {@code flags}, Topen with {@code mode}. */
    private static Case open(String what, String[] file, int flags, int mode) {
        return new Case(
                what,
                (c, d) -> {
                    c.walk(0, 1, file);
                    c.lopen(1, flags);
                },
                (c, d) -> {
                    c.walk(0, 1, file);
                    c.rpc(new TMessage.Topen(1, mode));
                });
    }

    /** A .u special file; 9P2000 has none: EINVAL. {@code linked}: the file a DMLINK names as fid 1. */
    private static Case special(
            String what, Action dotL, String[] linked, String[] dir, String name, int type, String extension) {
        return new Case(
                what,
                dotL,
                (c, d) -> {
                    if (linked != null) {
                        c.walk(0, 1, linked);
                    }
                    c.walk(0, 2, dir);
                    c.rpc(create(d, 2, name, type | 0644, 0, extension));
                },
                "EINVAL");
    }

    private static Case rename(String what, String dir, String from, String to) {
        String[] at = dir.isEmpty() ? new String[0] : new String[] {dir};
        return new Case(
                what,
                (c, d) -> {
                    c.walk(0, 1, at);
                    c.renameat(1, from, 1, to);
                },
                (c, d) -> {
                    c.walk(0, 1, at);
                    c.walk(1, 1, from);
                    c.rpc(wstat(d, 1, -1, to, -1, -1L, -1));
                });
    }

    @FunctionalInterface
    private interface Wstat {
        TMessage.Twstat of(Dialect dialect);
    }

    private static Case attr(String what, String[] file, SetAttr dotL, Wstat legacy) {
        return new Case(
                what,
                (c, d) -> {
                    c.walk(0, 1, file);
                    c.setattr(1, dotL);
                },
                (c, d) -> {
                    c.walk(0, 1, file);
                    c.rpc(legacy.of(d));
                });
    }

    private static TMessage.Tcreate create(Dialect dialect, int fid, String name, int perm, int mode, String ext) {
        return new TMessage.Tcreate(fid, name, perm, mode, dialect == Dialect.U ? Optional.of(ext) : Optional.empty());
    }

    /** A Twstat changing only what is given (-1, "": don't touch); {@code gid} as .u's n_gid or 9P2000's name. */
    private static TMessage.Twstat wstat(
            Dialect dialect, int fid, int mode, String name, int mtime, long length, int gid) {
        if (dialect == Dialect.U) {
            return Wstats.unix(fid, Wstats.common(mode, name, -1, mtime, length, ""), -1, gid);
        }
        Stat.Common c = Wstats.common(mode, name, -1, mtime, length, "");
        return Wstats.plain(
                fid,
                new Stat.Common(
                        c.type(),
                        c.dev(),
                        c.qid(),
                        c.mode(),
                        c.atime(),
                        c.mtime(),
                        c.length(),
                        c.name(),
                        c.uid(),
                        gid == -1 ? "" : Integer.toString(gid),
                        c.muid()));
    }

    /** The errno's name, or "ok". */
    private static String run(HostShareGateway gw, Dialect dialect, Action action) throws Exception {
        try (P9Client c = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
            c.version(65536, dialect.version());
            LegacyDialectBudgetAttackTest.attach(c, dialect);
            try {
                action.on(c, dialect);
                return "ok";
            } catch (P9Exception e) {
                return e.errno().name();
            }
        }
    }

    private static void reset(Path share) throws IOException {
        ShareTrees.empty(share);
        Files.createDirectories(share.resolve("ro"));
        Files.writeString(share.resolve("ro/f"), "ro");
        Files.createDirectories(share.resolve("bin"));
        Files.writeString(share.resolve("bin/run.sh"), "echo");
        Files.createDirectories(share.resolve("drop"));
        Files.writeString(share.resolve("drop/letter"), "letter");
        Files.writeString(share.resolve("notes"), "n");
        Files.createDirectories(share.resolve("secret"));
        Files.writeString(share.resolve("secret/key"), "k");
        Files.createDirectories(share.resolve("h/secret"));
        Path outside = Files.writeString(outside(share), "host's own");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setLastModifiedTime(outside, FileTime.fromMillis(System.currentTimeMillis()));
        Files.createSymbolicLink(share.resolve("esc"), outside);
    }

    private static Path outside(Path share) {
        return share.resolveSibling("outside-the-share");
    }

    /** Every entry: its path, type (size of a file), permissions, and whether its mtime was set to 5. */
    private static String snapshot(Path share) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> all = Stream.concat(Files.walk(share), Stream.of(outside(share)))) {
            for (Path p : all.sorted().toList()) {
                out.append(p.startsWith(share) ? share.relativize(p) : p.getFileName())
                        .append(':')
                        .append(ShareTrees.kindAndMode(p))
                        .append(
                                Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                                                        .toMillis()
                                                == 5000
                                        ? ":t5"
                                        : "")
                        .append(' ');
            }
        }
        return out.toString();
    }
}
