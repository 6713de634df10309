package io.p9gate.gateway.fuzz;

import io.p9gate.gateway.proto.TMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference server's fids as its replies showed them: what each names (a directory, a file, a symlink; the
 * share's root), and whether it is open or an xattr fid. A difference with diod is accepted only for the kind of
 * fid its reason is about ({@link AcceptedDifferences}).
 */
final class FidModel {
    private static final int QTDIR = 0x80;
    private static final int QTSYMLINK = 0x02;

    enum Use {
        WALKED,
        OPEN,
        /** Opened with access mode 3: p9gate serves it as a read (docs/protocol.md), open(2) neither reads nor writes. */
        OPEN_NO_ACCESS,
        XATTR_WRITE,
        XATTR_READ
    }

    /**
     * One fid: its {@code path} from the share's root (".." stays at the root), xattr bytes declared and written,
     * whether a rename or removal of its path (or a directory above it) succeeded since it was walked there.
     */
    record Kind(Use use, int qidType, List<String> path, long declared, long written, boolean moved) {
        int depth() {
            return path.size();
        }

        String describe() {
            String what = (qidType & QTDIR) != 0 ? "dir" : (qidType & QTSYMLINK) != 0 ? "symlink" : "file";
            String root = (qidType & QTDIR) != 0 && path.isEmpty() ? " root" : "";
            String shortValue = use == Use.XATTR_WRITE && written < declared ? " short" : "";
            return use.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " " + what + root + shortValue
                    + (moved ? " " + MOVED : "");
        }

        Kind as(Use newUse) {
            return new Kind(newUse, qidType, path, declared, written, moved);
        }

        Kind xattr(long size, long bytes) {
            return new Kind(use, qidType, path, size, bytes, moved);
        }

        boolean under(List<String> p) {
            return path.size() >= p.size() && path.subList(0, p.size()).equals(p);
        }
    }

    /** The fact of a fid whose path was renamed or removed since it was walked: diod, path-based, loses it. */
    static final String MOVED = "moved";

    private final Map<Long, Kind> fids = new HashMap<>();

    private static long key(int conn, int fid) {
        return ((long) conn << 32) | (fid & 0xffffffffL);
    }

    Kind kind(int conn, int fid) {
        return fids.get(key(conn, fid));
    }

    /** "role=kind" for each fid the request names, as the reference holds it now ("none": not held). */
    String facts(int conn, TMessage request) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Integer> e : fidsOf(request).entrySet()) {
            Kind k = kind(conn, e.getValue());
            s.append(s.isEmpty() ? "" : ", ").append(e.getKey()).append('=').append(k == null ? "none" : k.describe());
        }
        if (request instanceof TMessage.Twalk w && kind(conn, w.fid()) != null) {
            int depth = kind(conn, w.fid()).depth();
            for (String name : w.names()) {
                depth += name.equals("..") ? -1 : name.equals(".") ? 0 : 1;
                if (depth < 0) {
                    return s.append(", ").append(ABOVE_ROOT).toString();
                }
            }
        }
        return s.toString();
    }

    /** The fact of a walk that climbs above the share's root by "..": it stays at the root (walk(5)). */
    static final String ABOVE_ROOT = "above root";

    /** "fid=kind" of a request on one fid built per server (a write, a continued listing). */
    String facts(int conn, int fid) {
        return facts(conn, new TMessage.Tclunk(fid));
    }

    /** The fids a request names that must exist (not the newfid it makes), by role. */
    static Map<String, Integer> fidsOf(TMessage request) {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        switch (request) {
            case TMessage.Twalk w -> out.put("fid", w.fid());
            case TMessage.Txattrwalk w -> out.put("fid", w.fid());
            case TMessage.Tlink l -> {
                out.put("dfid", l.dfid());
                out.put("fid", l.fid());
            }
            case TMessage.Trename r -> {
                out.put("fid", r.fid());
                out.put("dfid", r.dfid());
            }
            case TMessage.Trenameat r -> {
                out.put("olddir", r.oldDirFid());
                out.put("newdir", r.newDirFid());
            }
            case TMessage.Tmkdir m -> out.put("dfid", m.dfid());
            case TMessage.Tmknod m -> out.put("dfid", m.dfid());
            case TMessage.Tunlinkat u -> out.put("dfid", u.dirFid());
            case TMessage.Tattach a -> {}
            default -> {
                Integer fid = plainFid(request);
                if (fid != null) {
                    out.put("fid", fid);
                }
            }
        }
        return out;
    }

    /** The fid whose state a request changes on success, besides a newfid: open, create, xattr create. */
    static Integer changedFid(TMessage request) {
        return switch (request) {
            case TMessage.Tlopen o -> o.fid();
            case TMessage.Tlcreate c -> c.fid();
            case TMessage.Txattrcreate x -> x.fid();
            case TMessage.Twalk w -> w.newfid();
            case TMessage.Txattrwalk w -> w.newfid();
            case TMessage.Tattach a -> a.fid();
            default -> null;
        };
    }

    private static Integer plainFid(TMessage request) {
        return switch (request) {
            case TMessage.Tlopen t -> t.fid();
            case TMessage.Tlcreate t -> t.fid();
            case TMessage.Tread t -> t.fid();
            case TMessage.Twrite t -> t.fid();
            case TMessage.Tclunk t -> t.fid();
            case TMessage.Tremove t -> t.fid();
            case TMessage.Tstatfs t -> t.fid();
            case TMessage.Tsymlink t -> t.fid();
            case TMessage.Treadlink t -> t.fid();
            case TMessage.Tgetattr t -> t.fid();
            case TMessage.Tsetattr t -> t.fid();
            case TMessage.Txattrcreate t -> t.fid();
            case TMessage.Treaddir t -> t.fid();
            case TMessage.Tfsync t -> t.fid();
            case TMessage.Tlock t -> t.fid();
            case TMessage.Tgetlock t -> t.fid();
            default -> null;
        };
    }

    /** The fid is the share's root, as an attach makes it. */
    void attached(int conn, int fid) {
        fids.put(key(conn, fid), new Kind(Use.WALKED, QTDIR, List.of(), 0, 0, false));
    }

    /** Follows the reference's reply to {@code request}. */
    void answered(int conn, TMessage request, String shape) {
        boolean ok = !shape.startsWith("Rlerror") && !shape.startsWith("NO REPLY");
        switch (request) {
            case TMessage.Tattach(int fid, int afid, String u, String a, int n) when ok -> attached(conn, fid);
            case TMessage.Twalk(int fid, int newfid, List<String> names)
            when ok -> {
                List<Integer> types = qidTypes(shape);
                Kind from = kind(conn, fid);
                if (types.size() == names.size() && from != null) {
                    List<String> path = new java.util.ArrayList<>(from.path());
                    for (String name : names) {
                        if (name.equals("..")) {
                            if (!path.isEmpty()) {
                                path.removeLast();
                            }
                        } else if (!name.equals(".")) {
                            path.add(name);
                        }
                    }
                    int type = types.isEmpty() ? from.qidType() : types.getLast();
                    fids.put(key(conn, newfid), new Kind(Use.WALKED, type, List.copyOf(path), 0, 0, from.moved()));
                }
            }
            case TMessage.Txattrwalk(int fid, int newfid, String name)
            when ok -> {
                Kind from = kind(conn, fid);
                if (from != null) {
                    fids.put(key(conn, newfid), from.as(Use.XATTR_READ).xattr(0, 0));
                }
            }
            case TMessage.Tlopen(int fid, int flags) when ok -> update(conn, fid, k -> k.as(opened(flags)));
            case TMessage.Tlcreate(int fid, String name, int flags, int mode, int gid)
            when ok -> update(conn, fid, k -> new Kind(opened(flags), 0, child(k, name), 0, 0, k.moved()));
            case TMessage.Txattrcreate(int fid, String name, long size, int flags)
            when ok -> update(conn, fid, k -> k.as(Use.XATTR_WRITE).xattr(size, 0));
            case TMessage.Twrite w
            when ok && shape.startsWith("Rwrite[count=") -> {
                long n = Long.parseLong(shape.replaceAll("\\D", ""));
                update(conn, w.fid(), k -> k.xattr(k.declared(), k.written() + n));
            }
            case TMessage.Trename(int fid, int dfid, String name)
            when ok -> {
                moved(path(conn, fid));
                moved(childPath(conn, dfid, name));
            }
            case TMessage.Trenameat r
            when ok -> {
                moved(childPath(conn, r.oldDirFid(), r.oldName()));
                moved(childPath(conn, r.newDirFid(), r.newName()));
            }
            case TMessage.Tunlinkat u when ok -> moved(childPath(conn, u.dirFid(), u.name()));
            case TMessage.Tclunk(int fid) -> fids.remove(key(conn, fid));
            case TMessage.Tremove(int fid) -> {
                List<String> path = path(conn, fid);
                fids.remove(key(conn, fid));
                if (ok) {
                    moved(path);
                }
            }
            default -> {}
        }
    }

    private static Use opened(int flags) {
        return (flags & 3) == 3 ? Use.OPEN_NO_ACCESS : Use.OPEN;
    }

    private static List<String> child(Kind k, String name) {
        List<String> path = new java.util.ArrayList<>(k.path());
        path.add(name);
        return List.copyOf(path);
    }

    private List<String> path(int conn, int fid) {
        Kind k = kind(conn, fid);
        return k == null ? null : k.path();
    }

    private List<String> childPath(int conn, int dfid, String name) {
        Kind k = kind(conn, dfid);
        return k == null ? null : child(k, name);
    }

    /** Every fid, of every connection, at or under {@code path} (all of them if it is not known) has moved. */
    private void moved(List<String> path) {
        fids.replaceAll((k, v) -> path == null || v.under(path)
                ? new Kind(v.use(), v.qidType(), v.path(), v.declared(), v.written(), true)
                : v);
    }

    private void update(int conn, int fid, java.util.function.UnaryOperator<Kind> change) {
        fids.computeIfPresent(key(conn, fid), (k, v) -> change.apply(v));
    }

    private static List<Integer> qidTypes(String shape) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("qid.type=(\\d+)").matcher(shape);
        List<Integer> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }
}
