package io.p9gate.policy.load;

import io.p9gate.policy.dialect.Dialect;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.ids.IdMapping;
import io.p9gate.policy.ids.IdRange;
import io.p9gate.policy.model.Access;
import io.p9gate.policy.model.DeviceNodes;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.HostPermissions;
import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.ProtectedPaths;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.model.VmLimits;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns a policy YAML tree into the model, checking types, names and values as it goes (R-POL-1). */
public final class PolicyParser {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    /** The names {@link #isName} takes, as error messages say them. */
    public static final String NAME_RULE = NAME.pattern();

    /** Whether {@code name} may name a VM, share or rule ({@link #NAME_RULE}): serve's --share takes the same. */
    public static boolean isName(String name) {
        return NAME.matcher(name).matches();
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(KiB|MiB|GiB|TiB)?");
    /** The Linux client's {@code nobody}: its first attach's uid, and the gid of every request that names none. */
    private static final long GUEST_NOBODY = 65534;

    private final Path file;

    private PolicyParser(Path file) {
        this.file = file;
    }

    /** Reads and parses {@code file}; structural checks only (see {@link PolicyLoader} for the rest). */
    public static PolicyFile parse(Path file) throws PolicyLoadException {
        Path abs = file.toAbsolutePath().normalize();
        return new PolicyParser(abs).policy(YamlTreeReader.read(abs));
    }

    private PolicyFile policy(YamlNode root) throws PolicyLoadException {
        Fields f = Fields.of(root, "the policy", Set.of("image", "protect", "cedar", "vms"));
        String image = f.string("image");
        ProtectedPaths prot = protect(f.nodeOrNull("protect"));
        List<Path> cedar = new ArrayList<>();
        for (YamlNode n : f.list("cedar")) {
            Path c = file.resolveSibling(Fields.text(n, "cedar item")).normalize();
            if (!Files.isRegularFile(c)) throw new PolicyLoadException(n.pos(), "no such Cedar policy file: " + c);
            cedar.add(c);
        }
        Map<String, VmPolicy> vms = new LinkedHashMap<>();
        if (f.has("vms")) {
            for (YamlNode.Entry e : Fields.named(f.node("vms"), "vms").entries()) {
                vms.put(name(e, "VM"), vm(e.key(), e.value()));
            }
        }
        return new PolicyFile(file, image, prot, cedar, vms);
    }

    private ProtectedPaths protect(YamlNode n) throws PolicyLoadException {
        if (n == null) return new ProtectedPaths(file, null, null);
        Fields f = Fields.of(n, "protect", Set.of("keys", "audit"));
        return new ProtectedPaths(file, absolute(f, "keys"), absolute(f, "audit"));
    }

    private Path absolute(Fields f, String key) throws PolicyLoadException {
        if (!f.has(key)) return null;
        String t = f.string(key);
        Path p = Path.of(t);
        if (!p.isAbsolute())
            throw new PolicyLoadException(
                    f.node(key).pos(), "'" + key + "' must be an absolute path, found '" + t + "'");
        return p.normalize();
    }

    private VmPolicy vm(String id, YamlNode n) throws PolicyLoadException {
        Set<String> keys = new HashSet<>(Set.of("listen", "ids", "shares", "limits", "dialects"));
        keys.addAll(ListenerParser.KEYS);
        Fields f = Fields.of(n, "VM '" + id + "'", keys);
        ListenerSpec listen = new ListenerParser(file).listener(f);
        IdMap ids = f.has("ids") ? ids(f.node("ids")) : IdMap.NOBODY;
        Map<String, SharePolicy> shares = new LinkedHashMap<>();
        if (f.has("shares")) {
            for (YamlNode.Entry e :
                    Fields.named(f.node("shares"), "shares of VM '" + id + "'").entries()) {
                shares.put(name(e, "share"), share(id, ids, e.key(), e.value()));
            }
        }
        VmLimits limits = f.has("limits") ? limits(f.node("limits")) : VmLimits.NONE;
        Set<Dialect> dialects = f.has("dialects") ? dialects(f.node("dialects")) : EnumSet.allOf(Dialect.class);
        return new VmPolicy(id, listen, ids, shares, f.pos(), limits, dialects);
    }

    /** {@code dialects:} of a VM: a non-empty list of 9p2000.L, 9p2000.u, 9p2000. */
    private static Set<Dialect> dialects(YamlNode n) throws PolicyLoadException {
        Set<Dialect> out = EnumSet.noneOf(Dialect.class);
        for (YamlNode item : Fields.items(n, "dialects")) {
            String name = Fields.text(item, "dialects item");
            out.add(Dialect.named(name)
                    .orElseThrow(() -> new PolicyLoadException(
                            item.pos(), "dialects takes 9p2000.L, 9p2000.u and 9p2000, found '" + name + "'")));
        }
        if (out.isEmpty()) {
            throw new PolicyLoadException(
                    n.pos(), "dialects must list at least one dialect (leave it out to allow all)");
        }
        return out;
    }

    /** {@code limits:} of a VM: whole numbers from 1, byte sizes with an optional binary suffix. */
    private static VmLimits limits(YamlNode n) throws PolicyLoadException {
        Set<String> keys = new LinkedHashSet<>();
        for (Limit l : Limit.values()) keys.add(l.key());
        Fields f = Fields.of(n, "limits", keys);
        Map<Limit, Long> given = new EnumMap<>(Limit.class);
        for (Limit l : Limit.values()) {
            if (!f.has(l.key())) continue;
            YamlNode value = f.node(l.key());
            long v = l.isBytes() ? size(value, l.key()) : f.number(l.key(), 0);
            if (v < 1 || v > l.max()) {
                throw new PolicyLoadException(
                        value.pos(), "limit '" + l.key() + "' must be between 1 and " + l.max() + ", found " + v);
            }
            given.put(l, v);
        }
        return new VmLimits(given);
    }

    private IdMap ids(YamlNode n) throws PolicyLoadException {
        Fields f = Fields.of(n, "ids", Set.of("uid", "gid"));
        IdMapping none = IdMap.NOBODY.uids();
        return new IdMap(
                f.has("uid") ? mapping(f.node("uid"), "uid") : none,
                f.has("gid") ? mapping(f.node("gid"), "gid") : none);
    }

    private IdMapping mapping(YamlNode n, String what) throws PolicyLoadException {
        Fields f = Fields.of(n, "ids." + what, Set.of("ranges", "squash", "overflow"));
        long overflow = f.number("overflow", IdMapping.DEFAULT_OVERFLOW);
        try {
            if (f.has("squash")) {
                if (f.has("ranges"))
                    throw new PolicyLoadException(
                            f.pos(), "ids." + what + ": use either 'ranges' or 'squash', not both");
                return IdMapping.squashTo(f.number("squash", 0), overflow);
            }
            List<IdRange> ranges = new ArrayList<>();
            List<YamlNode> nodes = f.list("ranges");
            for (YamlNode r : nodes) {
                Fields rf = Fields.of(r, "id range", Set.of("guest", "host", "count"));
                try {
                    ranges.add(new IdRange(rf.number("guest", -1), rf.number("host", -1), rf.number("count", 1)));
                } catch (IllegalArgumentException e) {
                    throw new PolicyLoadException(r.pos(), e.getMessage());
                }
            }
            IdRangeOverlap.check(ranges, nodes, "ids." + what);
            return IdMapping.ranges(ranges, overflow);
        } catch (IllegalArgumentException e) {
            throw new PolicyLoadException(f.pos(), "ids." + what + ": " + e.getMessage());
        }
    }

    private SharePolicy share(String vm, IdMap ids, String name, YamlNode n) throws PolicyLoadException {
        Fields f = Fields.of(
                n,
                "share '" + name + "'",
                Set.of("path", "access", "read-only", "hidden", "rules", "quotas", "devices", "permissions"));
        String prefix = "vm." + vm + ".share." + name;
        Path dir = Path.of(f.string("path"));
        if (!dir.isAbsolute())
            throw new PolicyLoadException(f.node("path").pos(), "share path must be absolute, found '" + dir + "'");
        Access access = access(f);
        List<Subtree> ro = subtrees(f, "read-only", prefix + ".read-only");
        List<Subtree> hidden = subtrees(f, "hidden", prefix + ".hidden");
        List<Rule> rules = new ArrayList<>();
        List<YamlNode> ruleNodes = f.list("rules");
        Map<String, Rule> ruleIds = new HashMap<>();
        for (int i = 0; i < ruleNodes.size(); i++) {
            Rule r = rule(ruleNodes.get(i), prefix + ".rules[" + i + "]");
            // One id, one rule: a record names the rules that decided, and Cedar refuses two policies with one id.
            Rule earlier = ruleIds.putIfAbsent(r.id(), r);
            if (earlier != null) {
                throw new PolicyLoadException(
                        Fields.of(ruleNodes.get(i), "rule", Set.of("id", "effect", "ops", "paths"))
                                .node("id")
                                .pos(),
                        "rule id '" + r.id().substring(r.id().lastIndexOf('.') + 1)
                                + "' is already used by the rule at line "
                                + earlier.pos().line());
            }
            rules.add(r);
        }
        List<QuotaSpec> quotas = new ArrayList<>();
        List<YamlNode> quotaNodes = f.list("quotas");
        for (int i = 0; i < quotaNodes.size(); i++)
            quotas.add(quota(quotaNodes.get(i), prefix + ".quotas[" + i + "]", vm, name));
        HostPermissions permissions = permissions(f);
        if (permissions == HostPermissions.ENFORCE) {
            requireNobodyMapped(vm, name, ids, f.node("permissions").pos());
        }
        return new SharePolicy(
                vm, name, dir.normalize(), access, ro, hidden, rules, quotas, devices(f), permissions, f.pos());
    }

    /**
     * A share with {@code permissions: enforce} refuses every request whose guest uid or gid its VM does not map (it
     * would act as the overflow id, shared with every VM's unmapped ids). The Linux client's first attach is as nobody and
     * requests that name no gid act as gid 65534: with 65534 unmapped the share could serve nothing, so say so now.
     */
    private static void requireNobodyMapped(String vm, String share, IdMap ids, SourcePos at)
            throws PolicyLoadException {
        List<String> unmapped = new ArrayList<>();
        if (!ids.uids().maps(GUEST_NOBODY)) unmapped.add("ids.uid");
        if (!ids.gids().maps(GUEST_NOBODY)) unmapped.add("ids.gid");
        if (unmapped.isEmpty()) return;
        throw new PolicyLoadException(
                at,
                "share '" + share + "' of VM '" + vm + "': permissions: enforce refuses requests of unmapped guest ids,"
                        + " and guest id " + GUEST_NOBODY
                        + " (nobody: the Linux client's first attach, the gid of requests"
                        + " naming none) is not mapped in " + String.join(" and ", unmapped) + ": add a range for it"
                        + (unmapped.size() > 1 ? " to each" : "") + ", e.g. {guest: " + GUEST_NOBODY
                        + ", host: H, count: 1} with an unprivileged host id H of this VM's own");
    }

    private static DeviceNodes devices(Fields f) throws PolicyLoadException {
        String d = f.stringOr("devices", "refuse");
        return switch (d) {
            case "refuse" -> DeviceNodes.REFUSE;
            case "mapped" -> DeviceNodes.MAPPED;
            default ->
                throw new PolicyLoadException(
                        f.node("devices").pos(), "devices must be refuse or mapped, found '" + d + "'");
        };
    }

    private static HostPermissions permissions(Fields f) throws PolicyLoadException {
        String p = f.stringOr("permissions", "guest");
        return switch (p) {
            case "guest" -> HostPermissions.GUEST;
            case "enforce" -> HostPermissions.ENFORCE;
            default ->
                throw new PolicyLoadException(
                        f.node("permissions").pos(), "permissions must be guest or enforce, found '" + p + "'");
        };
    }

    private Access access(Fields f) throws PolicyLoadException {
        String a = f.stringOr("access", "none");
        return switch (a) {
            case "none" -> Access.NONE;
            case "read-only" -> Access.READ_ONLY;
            case "read-write" -> Access.READ_WRITE;
            default ->
                throw new PolicyLoadException(
                        f.node("access").pos(), "access must be none, read-only or read-write, found '" + a + "'");
        };
    }

    private List<Subtree> subtrees(Fields f, String key, String idPrefix) throws PolicyLoadException {
        List<Subtree> out = new ArrayList<>();
        List<YamlNode> items = f.list(key);
        for (int i = 0; i < items.size(); i++) {
            YamlNode item = items.get(i);
            out.add(new Subtree(
                    idPrefix + "[" + i + "]", sharePath(Fields.text(item, key + " item"), item, key), item.pos()));
        }
        return out;
    }

    /** The share path {@code t}, written at {@code n} for the key {@code what}. */
    private SharePath sharePath(String t, YamlNode n, String what) throws PolicyLoadException {
        if (t.indexOf('*') >= 0)
            throw new PolicyLoadException(n.pos(), what + " takes plain subtree paths, not globs: '" + t + "'");
        try {
            return SharePath.of(t);
        } catch (IllegalArgumentException e) {
            throw new PolicyLoadException(n.pos(), what + ": " + e.getMessage() + PathHint.of(t));
        }
    }

    private Rule rule(YamlNode n, String defaultId) throws PolicyLoadException {
        Fields f = Fields.of(n, "rule", Set.of("id", "effect", "ops", "paths"));
        String id = defaultId;
        if (f.has("id")) {
            String given = f.string("id");
            if (!isName(given)) throw new PolicyLoadException(f.node("id").pos(), "rule id must match " + NAME_RULE);
            id = defaultId.substring(0, defaultId.lastIndexOf(".rules[")) + ".rules." + given;
        }
        String e = f.string("effect");
        Effect effect = switch (e) {
            case "allow" -> Effect.ALLOW;
            case "deny" -> Effect.DENY;
            default ->
                throw new PolicyLoadException(
                        f.node("effect").pos(), "effect must be allow or deny, found '" + e + "'");
        };
        Set<OpKind> ops = EnumSet.noneOf(OpKind.class);
        for (YamlNode o : Fields.items(f.node("ops"), "ops")) ops.addAll(ops(o));
        if (ops.isEmpty()) throw new PolicyLoadException(f.node("ops").pos(), "rule names no operation");
        List<PathPattern> paths = new ArrayList<>();
        for (YamlNode p : Fields.items(f.node("paths"), "paths")) {
            try {
                paths.add(PathPattern.parse(Fields.text(p, "paths item")));
            } catch (IllegalArgumentException ex) {
                throw new PolicyLoadException(p.pos(), ex.getMessage() + PathHint.of(Fields.text(p, "paths item")));
            }
        }
        if (paths.isEmpty()) throw new PolicyLoadException(f.node("paths").pos(), "rule names no path");
        return new Rule(id, effect, ops, paths, f.pos());
    }

    /** An op kind, or a group: read, write, all. */
    private static Set<OpKind> ops(YamlNode n) throws PolicyLoadException {
        String t = Fields.text(n, "ops item");
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "read" -> OpKind.READS;
            case "write" -> OpKind.WRITES;
            case "all" -> EnumSet.allOf(OpKind.class);
            default ->
                Set.of(OpKind.parse(t)
                        .orElseThrow(() -> new PolicyLoadException(
                                n.pos(),
                                "unknown operation '" + t + "' (use read, write, all or one of "
                                        + Arrays.toString(OpKind.values()) + ")")));
        };
    }

    private QuotaSpec quota(YamlNode n, String id, String vm, String share) throws PolicyLoadException {
        Fields f = Fields.of(n, "quota", Set.of("path", "bytes", "inodes"));
        SharePath at = f.has("path")
                ? sharePath(Fields.text(f.node("path"), "quota path"), f.node("path"), "quota path")
                : SharePath.ROOT;
        if (!f.has("bytes") && !f.has("inodes"))
            throw new PolicyLoadException(f.pos(), "quota sets neither 'bytes' nor 'inodes'");
        long bytes = f.has("bytes") ? size(f.node("bytes"), "bytes") : QuotaSpec.UNLIMITED;
        long inodes = f.has("inodes") ? f.number("inodes", QuotaSpec.UNLIMITED) : QuotaSpec.inodesFor(bytes);
        if (inodes < 0) throw new PolicyLoadException(f.node("inodes").pos(), "inodes must not be negative");
        return new QuotaSpec(id, vm, share, at, bytes, inodes);
    }

    /** Bytes as a whole number with an optional binary suffix: 512, 64MiB, 2GiB. */
    static long size(YamlNode n) throws PolicyLoadException {
        return size(n, "bytes");
    }

    /** As {@link #size(YamlNode)}, for the key {@code what} (a byte limit). */
    private static long size(YamlNode n, String what) throws PolicyLoadException {
        String t = Fields.text(n, what).trim();
        var m = SIZE.matcher(t);
        if (!m.matches())
            throw new PolicyLoadException(
                    n.pos(), what + " must be a number with optional KiB, MiB, GiB or TiB, found '" + t + "'");
        int shift = m.group(2) == null
                ? 0
                : switch (m.group(2)) {
                    case "KiB" -> 10;
                    case "MiB" -> 20;
                    case "GiB" -> 30;
                    default -> 40;
                };
        try {
            long v = Long.parseLong(m.group(1));
            if (v > (Long.MAX_VALUE >> shift)) throw new NumberFormatException();
            return v << shift;
        } catch (NumberFormatException e) {
            throw new PolicyLoadException(n.pos(), what + " value too large: '" + t + "'");
        }
    }

    private static String name(YamlNode.Entry e, String what) throws PolicyLoadException {
        if (!isName(e.key())) {
            throw new PolicyLoadException(e.keyPos(), what + " name '" + e.key() + "' must match " + NAME_RULE);
        }
        return e.key();
    }
}
