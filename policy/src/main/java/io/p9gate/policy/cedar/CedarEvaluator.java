package io.p9gate.policy.cedar;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.model.AuthorizationRequest;
import com.cedarpolicy.model.AuthorizationResponse;
import com.cedarpolicy.model.AuthorizationSuccessResponse;
import com.cedarpolicy.model.Context;
import com.cedarpolicy.model.entity.Entities;
import com.cedarpolicy.model.entity.Entity;
import com.cedarpolicy.model.exception.AuthException;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.value.EntityTypeName;
import com.cedarpolicy.value.EntityUID;
import com.cedarpolicy.value.PrimLong;
import com.cedarpolicy.value.PrimString;
import com.cedarpolicy.value.Value;
import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.audit.read.PrintableText;
import io.p9gate.policy.compile.Errnos;
import io.p9gate.policy.compile.PathEvaluator;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.PathQuestion;
import io.p9gate.policy.terms.SharePath;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Decides with Cedar: the reference semantics (R-POL-2). Each question becomes a request with the VM as
 * principal, the op's action, and a File resource whose Directory chain up to its Share is passed as
 * entities, so both compiled rules and hand-written policies ({@code resource in Directory::...}) see
 * the real hierarchy.
 */
public final class CedarEvaluator implements PathEvaluator {

    /** Errno of a decision Cedar could not make. */
    public static final String FAILED_ERRNO = "EIO";

    private static final Logger LOG = Logger.getLogger(CedarEvaluator.class.getName());
    private static final EntityTypeName VM = type("Vm");
    private static final EntityTypeName SHARE = type("Share");
    private static final EntityTypeName DIRECTORY = type("Directory");
    private static final EntityTypeName FILE = type("File");
    private static final Map<OpKind, EntityUID> ACTIONS = new EnumMap<>(OpKind.class);

    static {
        EntityTypeName action = type("Action");
        for (OpKind op : OpKind.values()) ACTIONS.put(op, action.of(op.name()));
    }

    private final BasicAuthorizationEngine engine = new BasicAuthorizationEngine();
    private final PolicySet policies;
    private final Map<String, String> errnoOfForbid;
    /**
     * The ids of every Directory a policy names ({@code resource in Directory::"…"}), or null if that could not be
     * found out (then every ancestor is listed, as before). Cedar has no way to reach an entity but by naming it,
     * so only these can make an {@code in} true.
     */
    private final Set<String> namedDirectories;

    /**
     * @param errnoOfForbid    errno of each forbid policy by id (from its {@code @errno} annotation)
     * @param namedDirectories ids of the Directories the policies name, or null for "unknown: list all ancestors"
     */
    CedarEvaluator(PolicySet policies, Map<String, String> errnoOfForbid, Set<String> namedDirectories) {
        this.policies = policies;
        this.errnoOfForbid = Map.copyOf(errnoOfForbid);
        this.namedDirectories = namedDirectories == null ? null : Set.copyOf(namedDirectories);
    }

    private static EntityTypeName type(String base) {
        return EntityTypeName.parse(CedarNames.NAMESPACE + "::" + base).orElseThrow();
    }

    @Override
    public Verdict evaluate(PathQuestion q) {
        AuthorizationRequest req = new AuthorizationRequest(
                VM.of(CedarNames.vmId(q.vm())),
                ACTIONS.get(q.op()),
                FILE.of(CedarNames.pathId(q.vm(), q.share(), q.path())),
                new Context(Map.<String, Value>of("uid", new PrimLong(q.uid()), "gid", new PrimLong(q.gid()))));
        AuthorizationResponse resp;
        try {
            resp = engine.isAuthorized(req, policies, entities(q));
        } catch (AuthException | RuntimeException e) {
            return failed(q, String.valueOf(e.getMessage()));
        }
        if (resp.success.isEmpty())
            return failed(q, resp.errors.map(Object::toString).orElse("no reason"));
        AuthorizationSuccessResponse ok = resp.success.get();
        List<String> ids = new ArrayList<>(ok.getReason());
        if (ok.isAllowed()) return new Verdict(true, null, ids);
        Set<String> errnos = new HashSet<>();
        for (String id : ids) errnos.add(errnoOfForbid.getOrDefault(id, "EACCES"));
        return new Verdict(false, Errnos.strongest(errnos), ids);
    }

    /** Fail closed (R-AUD-4 spirit): a question Cedar cannot answer is refused with EIO. */
    private static Verdict failed(PathQuestion q, String why) {
        LOG.severe(() -> failure(q, why));
        return new Verdict(false, FAILED_ERRNO, List.of());
    }

    /** Characters of Cedar's reason a line keeps: it may quote the File's id, which holds the whole path. */
    private static final int REASON_MAX = 1024;

    /**
     * The log line of a failed decision. The guest chooses the path, at any depth: it is named as the audit log
     * names it (abbreviated past 4,095 bytes, controls escaped), and Cedar's reason is cut.
     */
    static String failure(PathQuestion q, String why) {
        String reason = why.length() <= REASON_MAX
                ? why
                : why.substring(0, REASON_MAX) + "...[" + why.length() + " characters]";
        // Escaped as p9gate audit shows names: the line reaches the operator's terminal or journal.
        return PrintableText.escape("Cedar could not decide " + q.op() + " of VM " + q.vm() + " on " + q.share() + ":"
                + AbbreviatedPath.stored(q.path().text()) + " (uid " + q.uid() + ", gid " + q.gid() + "): " + reason);
    }

    /**
     * The File, whose parents are the Share and the Directory of each ancestor (and of its own path) that a policy
     * names, all listed directly. Not as a chain (each Directory in its parent's): Cedar computes the transitive
     * closure of the entities it is given on every request, and a guest chooses the depth (the gateway serves
     * directories deeper than PATH_MAX): a 2000-deep path took 15 s per decision. Nor every ancestor: each is named
     * by its whole path, so a path of depth d and L bytes made d x L / 2 bytes of ids (16 MiB and ~1.4 s per
     * decision at 4096 levels of 1-byte names); only a Directory some policy names can make an {@code in} true, so
     * the others are left out and a decision hands Cedar O(L) bytes. {@code resource in Directory::"…"} and {@code
     * resource in Share::"…"} see the same ancestors as before.
     */
    Entities entities(PathQuestion q) {
        SharePath path = q.path();
        Set<EntityUID> parents = new HashSet<>();
        parents.add(SHARE.of(CedarNames.shareId(q.vm(), q.share())));
        if (namedDirectories == null) {
            for (int i = 0; i <= path.depth(); i++) {
                parents.add(DIRECTORY.of(CedarNames.pathId(q.vm(), q.share(), path.prefix(i))));
            }
        } else {
            String scope = CedarNames.pathId(q.vm(), q.share(), SharePath.ROOT);
            String prefix = scope.substring(0, scope.length() - 1); // "vm/share:"
            String text = path.text();
            for (String named : namedDirectories) {
                if (named.startsWith(prefix) && holds(named.substring(prefix.length()), text)) {
                    parents.add(DIRECTORY.of(named));
                }
            }
        }
        return new Entities(
                Set.of(new Entity(FILE.of(CedarNames.pathId(q.vm(), q.share(), path)), fileAttrs(path), parents)));
    }

    /** Whether the share path {@code dir} is {@code path} or one of its ancestors. */
    private static boolean holds(String dir, String path) {
        if (dir.equals("/")) return true;
        return dir.startsWith("/")
                && path.startsWith(dir)
                && (path.length() == dir.length() || path.charAt(dir.length()) == '/');
    }

    static Map<String, Value> fileAttrs(SharePath path) {
        Map<String, Value> attrs = new HashMap<>();
        List<String> segs = path.segments();
        int n = segs.size();
        attrs.put("path", new PrimString(path.text()));
        attrs.put("depth", new PrimLong(n));
        for (int i = 0; i < Math.min(n, PathPattern.MAX_SEGMENTS); i++) {
            attrs.put("s" + i, new PrimString(segs.get(i)));
            attrs.put("r" + i, new PrimString(segs.get(n - 1 - i)));
        }
        return attrs;
    }
}
