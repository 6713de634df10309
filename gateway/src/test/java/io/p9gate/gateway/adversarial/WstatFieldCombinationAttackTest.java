package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-2..4, R-AUD-1, stat(5) "all or nothing"): a raw 9P2000.u or 9P2000 guest sends Twstats that change
 * several fields at once (a new name with mode, length, mtime and group, each alone and all together) on a file, a
 * read-only file, a directory and a symlink, under a read-only subtree, a hidden name, a deny of SETATTR on
 * {@code *.lock} and a deny of CREATE/OPEN_WRITE/RENAME on {@code *.sh}. The 9P2000.L twin is a Trenameat and then a
 * Tsetattr. Each wstat must be answered OK exactly when both twins are, leave the host as the twins leave it when
 * answered OK and untouched when refused (all or nothing), and record the errno it answers.
 */
class WstatFieldCombinationAttackTest {
    private static final String RULES = """
            read-only: [/ro]
            hidden: [/secret]
            rules:
              - {id: no-lock-attrs, effect: deny, ops: [SETATTR], paths: ["/**/*.lock"]}
              - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE, RENAME], paths: ["/**/*.sh"]}
            """;
    private static final int MODE = 0600;
    private static final long LENGTH = 3;
    private static final int MTIME = 5;
    private static final int GID = 7;

    @TempDir
    Path tmp;

    /** Which fields a wstat changes besides its name. */
    private record Fields(boolean mode, boolean length, boolean mtime, boolean gid) {
        boolean any() {
            return mode || length || mtime || gid;
        }

        @Override
        public String toString() {
            return (mode ? "mode " : "") + (length ? "length " : "") + (mtime ? "mtime " : "") + (gid ? "gid" : "");
        }
    }

    @Test
    void aWstatOfSeveralFieldsIsAllOrNothingAndAnsweredAsItsTwins() throws Exception {
        List<String> differences = new ArrayList<>();
        List<Fields> fieldSets = List.of(
                new Fields(false, false, false, false),
                new Fields(true, false, false, false),
                new Fields(false, true, false, false),
                new Fields(false, false, true, false),
                new Fields(false, false, false, true),
                new Fields(true, true, true, true));
        int cases = 0;
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path share = gw.share("data");
            reset(share);
            String untouched = snapshot(share);
            for (String[] file : List.of(
                    new String[] {"notes"}, new String[] {"ro", "f"}, new String[] {"d"}, new String[] {"link"})) {
                String own = file[file.length - 1];
                for (String name : List.of("", own, "n2", "b.lock", "r.sh", "secret", "ro", "..")) {
                    for (Fields fields : fieldSets) {
                        if (name.isEmpty() && !fields.any()) {
                            continue; // a sync
                        }
                        cases++;
                        String what = String.join("/", file) + " -> '" + name + "' " + fields;
                        reset(share);
                        String dotL = dotL(gw, file, name, fields);
                        String dotLHost = snapshot(share);
                        for (Dialect dialect : List.of(Dialect.U, Dialect.LEGACY)) {
                            reset(share);
                            int before = gw.records.size();
                            String answer = legacy(gw, dialect, file, name, fields);
                            String host = snapshot(share);
                            List<AuditEntry> records = List.copyOf(gw.records.subList(before, gw.records.size()));
                            String twin = dialect == Dialect.LEGACY && dotL.equals("ok") && replacesIn9p(name)
                                    ? "EEXIST"
                                    : dotL;
                            if (answer.equals("ok") != twin.equals("ok")) {
                                differences.add(what + " " + dialect + ": " + answer + ", .L " + twin);
                            } else if (answer.equals("ok") && !host.equals(dotLHost)) {
                                differences.add(what + " " + dialect + ": host " + host + ", .L " + dotLHost);
                            } else if (!answer.equals("ok") && !host.equals(untouched)) {
                                differences.add(what + " " + dialect + ": " + answer + " left " + host);
                            }
                            if (!answer.equals("ok")
                                    && records.stream()
                                            .noneMatch(r -> r.outcome().errno() != null
                                                    && r.outcome()
                                                            .errno()
                                                            .name()
                                                            .equals(answer))) {
                                differences.add(what + " " + dialect + ": " + answer + " not recorded");
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), differences, cases + " cases");
    }

    /** 9P2000's rename replaces nothing: an existing name ("ro") is EEXIST where .L and .u replace. */
    private static boolean replacesIn9p(String name) {
        return name.equals("ro");
    }

    /** Trenameat then Tsetattr: "ok" or the first errno. */
    private static String dotL(HostShareGateway gw, String[] file, String name, Fields fields) throws Exception {
        try (P9Client c = LegacyDialectBudgetAttackTest.attachedIn(gw, Dialect.L)) {
            String[] dir = Arrays.copyOf(file, file.length - 1);
            String own = file[file.length - 1];
            c.walk(0, 1, dir);
            String now = own;
            if (!name.isEmpty()) {
                c.renameat(1, own, 1, name);
                now = name;
            }
            if (fields.any()) {
                c.walk(1, 2, now);
                int valid = (fields.mode() ? SetAttr.SETATTR_MODE : 0)
                        | (fields.length() ? SetAttr.SETATTR_SIZE : 0)
                        | (fields.mtime() ? SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET : 0)
                        | (fields.gid() ? SetAttr.SETATTR_GID : 0);
                c.setattr(2, new SetAttr(valid, MODE, -1, GID, LENGTH, 0, 0, MTIME, 0));
            }
            return "ok";
        } catch (P9Exception e) {
            return e.errno().name();
        }
    }

    private static String legacy(HostShareGateway gw, Dialect dialect, String[] file, String name, Fields fields)
            throws Exception {
        try (P9Client c = LegacyDialectBudgetAttackTest.attachedIn(gw, dialect)) {
            c.walk(0, 1, file);
            boolean unix = dialect == Dialect.U;
            int type = switch (file[file.length - 1]) {
                case "d" -> Stat.DMDIR;
                case "link" -> unix ? Stat.DMSYMLINK : 0;
                default -> 0;
            };
            Stat.Common common = Wstats.common(
                    fields.mode() ? type | MODE : -1,
                    name,
                    -1,
                    fields.mtime() ? MTIME : -1,
                    fields.length() ? LENGTH : -1L,
                    "");
            TMessage.Twstat wstat = unix
                    ? Wstats.unix(1, common, -1, fields.gid() ? GID : -1)
                    : Wstats.plain(
                            1,
                            new Stat.Common(
                                    common.type(),
                                    common.dev(),
                                    common.qid(),
                                    common.mode(),
                                    common.atime(),
                                    common.mtime(),
                                    common.length(),
                                    common.name(),
                                    common.uid(),
                                    fields.gid() ? Integer.toString(GID) : "",
                                    common.muid()));
            c.rpc(wstat);
            return "ok";
        } catch (P9Exception e) {
            return e.errno().name();
        }
    }

    private static void reset(Path share) throws IOException {
        ShareTrees.empty(share);
        Files.createDirectories(share.resolve("ro"));
        Files.writeString(share.resolve("ro/f"), "read-only");
        Files.writeString(share.resolve("notes"), "0123456789");
        Files.createDirectories(share.resolve("d"));
        Files.writeString(share.resolve("d/x"), "x");
        Files.createDirectories(share.resolve("secret"));
        Files.writeString(share.resolve("secret/key"), "k");
        Files.createSymbolicLink(share.resolve("link"), Path.of("notes"));
        for (String f : List.of("ro/f", "notes", "d/x")) {
            Files.setPosixFilePermissions(share.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
            Files.setLastModifiedTime(share.resolve(f), FileTime.fromMillis(1_000_000_000_000L));
        }
        for (String d : List.of("ro", "d", "secret")) {
            Files.setPosixFilePermissions(share.resolve(d), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setLastModifiedTime(share.resolve(d), FileTime.fromMillis(1_000_000_000_000L));
        }
    }

    /** Every entry: path, type and size, permissions, group, and whether its mtime is the wstat's. */
    private static String snapshot(Path share) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> all = Files.walk(share)) {
            for (Path p : all.sorted().toList()) {
                if (p.equals(share)) {
                    continue;
                }
                out.append(share.relativize(p))
                        .append(':')
                        .append(ShareTrees.kindAndMode(p))
                        .append(':')
                        .append(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS))
                        .append(
                                Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                                                        .toMillis()
                                                == MTIME * 1000L
                                        ? ":t5"
                                        : "")
                        .append(' ');
            }
        }
        return out.toString();
    }
}
