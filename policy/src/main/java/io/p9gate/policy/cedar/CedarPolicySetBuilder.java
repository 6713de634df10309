package io.p9gate.policy.cedar;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.model.DetailedError;
import com.cedarpolicy.model.ValidationRequest;
import com.cedarpolicy.model.ValidationResponse;
import com.cedarpolicy.model.exception.AuthException;
import com.cedarpolicy.model.exception.InternalException;
import com.cedarpolicy.model.policy.Policy;
import com.cedarpolicy.model.policy.PolicySet;
import io.p9gate.policy.cedar.text.LineColumn;
import io.p9gate.policy.compile.CompiledRule;
import io.p9gate.policy.compile.Errnos;
import io.p9gate.policy.load.IoReason;
import io.p9gate.policy.load.PolicyFileText;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.SourcePos;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the Cedar policy set from the compiled YAML rules plus hand-written {@code .cedar} files, and
 * validates all of it against {@link CedarSchema} at load time. Hand-written policies are named
 * {@code FILE[i]} (or by an {@code @id("...")} annotation) and may give their denial's errno with
 * {@code @errno("EROFS")}; without it a forbid means EACCES.
 */
public final class CedarPolicySetBuilder {

    private final Set<Policy> policies = new LinkedHashSet<>();
    private final Map<String, String> errnoOfForbid = new HashMap<>();
    private final Map<String, Path> sourceOf = new HashMap<>();
    private final Map<String, String> textOfFile = new HashMap<>();
    private final List<CompiledRule> handWrittenSubtrees = new ArrayList<>();
    /**
     * Where an error no one hand-written policy is to blame for is reported: validation itself failing, or a
     * compiled rule that does not fit the schema. The YAML file at its first line once {@link #from} named it.
     */
    private SourcePos wholeSet = new SourcePos(Path.of("<cedar>"), 0, 0);

    /** The YAML policy file the compiled rules come from, for errors of the set as a whole. */
    public CedarPolicySetBuilder from(Path policyFile) {
        wholeSet = new SourcePos(policyFile, 1, 1);
        return this;
    }

    public CedarPolicySetBuilder addCompiled(List<CompiledRule> rules) {
        for (CompiledRule r : rules) {
            policies.add(new Policy(CedarPolicyWriter.write(r), r.id()));
            if (r.effect() == Effect.DENY) errnoOfForbid.put(r.id(), r.errno());
        }
        return this;
    }

    /** Adds every policy of a hand-written file. */
    public CedarPolicySetBuilder addFile(Path file) throws PolicyLoadException {
        String text;
        try {
            text = PolicyFileText.text(file);
        } catch (IOException e) {
            throw new PolicyLoadException(new SourcePos(file, 0, 0), IoReason.of(e));
        }
        PolicySet parsed;
        try {
            parsed = PolicySet.parsePolicies(text);
        } catch (InternalException e) {
            CedarSyntaxError at = CedarSyntaxError.of(text, e);
            throw new PolicyLoadException(
                    new SourcePos(file, at.at().line(), at.at().column()), "Cedar syntax: " + at.reason());
        }
        if (parsed.getNumTemplates() > 0) {
            throw new PolicyLoadException(
                    new SourcePos(file, 1, 1), "Cedar templates are not supported; write static policies");
        }
        // parsePolicies names them policy0..N in source order; we re-create each with a stable id.
        List<Map.Entry<String, String>> inOrder = parsed.getStaticPolicies().entrySet().stream()
                .sorted(Comparator.comparingInt(
                        en -> Integer.parseInt(en.getKey().replace("policy", ""))))
                .toList();
        for (int i = 0; i < inOrder.size(); i++) {
            String src = inOrder.get(i).getValue();
            Policy probe = new Policy(src, "probe");
            String id;
            String errno;
            boolean forbid;
            try {
                Map<String, String> ann = probe.getAnnotations();
                id = ann.getOrDefault("id", file.getFileName() + "[" + i + "]");
                errno = ann.getOrDefault("errno", "EACCES");
                forbid = probe.effect() == com.cedarpolicy.model.Effect.FORBID;
            } catch (InternalException e) {
                throw new PolicyLoadException(locate(file, text, src, 0), "Cedar: " + firstLine(e));
            }
            if (!Errnos.isKnown(errno)) {
                throw new PolicyLoadException(
                        locate(file, text, src, 0), "@errno must be ENOENT, EROFS or EACCES, found '" + errno + "'");
            }
            if (sourceOf.containsKey(id)
                    || policies.stream().anyMatch(p -> p.getID().equals(id))) {
                throw new PolicyLoadException(locate(file, text, src, 0), "policy id '" + id + "' is used twice");
            }
            policies.add(new Policy(src, id));
            sourceOf.put(id, file);
            textOfFile.put(id, src);
            if (forbid) {
                errnoOfForbid.put(id, errno);
                subtreeOf(probe, id, errno).ifPresent(handWrittenSubtrees::add);
            }
        }
        return this;
    }

    /** Validates against the schema and returns the evaluator. */
    public CedarEvaluator build() throws PolicyLoadException {
        return build(request -> new BasicAuthorizationEngine().validate(request));
    }

    /** Cedar's validation of a policy set (a seam: tests make validation itself fail). */
    interface Validator {
        ValidationResponse validate(ValidationRequest request) throws AuthException;
    }

    CedarEvaluator build(Validator validator) throws PolicyLoadException {
        PolicySet set = new PolicySet(policies);
        ValidationResponse resp;
        try {
            resp = validator.validate(new ValidationRequest(CedarSchema.parse(), set));
        } catch (AuthException e) {
            throw new PolicyLoadException(wholeSet, "Cedar validation failed: " + firstLine(e));
        }
        if (!resp.validationPassed()) throw firstError(resp);
        try {
            set.cache();
        } catch (Exception e) {
            throw new IllegalStateException("cannot cache the Cedar policy set: " + e.getMessage(), e);
        }
        return new CedarEvaluator(set, errnoOfForbid, namedDirectories());
    }

    /**
     * The ids of every Directory entity any policy names, in its scope or its conditions: the only ones a decision
     * needs to hand Cedar (CedarEvaluator#entities). Null if a policy cannot be read as JSON: then all are handed.
     */
    private Set<String> namedDirectories() {
        Set<String> named = new HashSet<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            for (Policy p : policies) collectDirectories(json.readTree(p.toJson()), named);
        } catch (InternalException | IOException e) {
            return null;
        }
        return named;
    }

    private static void collectDirectories(com.fasterxml.jackson.databind.JsonNode node, Set<String> into) {
        if (node.isObject()
                && node.path("type").asText().equals(CedarNames.NAMESPACE + "::Directory")
                && node.path("id").isTextual()) {
            into.add(node.path("id").asText());
        }
        for (com.fasterxml.jackson.databind.JsonNode child : node) collectDirectories(child, into);
    }

    /**
     * The hand-written forbids whose scope is one Directory or File of a share ({@code resource in
     * Directory::"vm/share:/p"}, {@code resource == File::"vm/share:/p"}), as subtree rules. They decide paths, as a
     * YAML hidden subtree does, so renaming an ancestor of one would carry what it protects out of its reach: the
     * engine refuses such renames for them as for the YAML's rules. A forbid scoped otherwise (the whole share, a
     * {@code when} on {@code resource.path}) cannot be placed and is not protected this way.
     */
    public List<CompiledRule> handWrittenSubtrees() {
        return List.copyOf(handWrittenSubtrees);
    }

    private static Optional<CompiledRule> subtreeOf(Policy policy, String id, String errno) {
        try {
            com.fasterxml.jackson.databind.JsonNode resource = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(policy.toJson())
                    .path("resource");
            String op = resource.path("op").asText();
            com.fasterxml.jackson.databind.JsonNode entity =
                    op.equals("is") ? resource.path("in").path("entity") : resource.path("entity");
            if (!op.equals("in") && !op.equals("==") && !op.equals("is")) return Optional.empty();
            String type = entity.path("type").asText();
            if (!type.equals(CedarNames.NAMESPACE + "::Directory") && !type.equals(CedarNames.NAMESPACE + "::File"))
                return Optional.empty();
            String uid = entity.path("id").asText();
            int slash = uid.indexOf('/');
            int colon = uid.indexOf(':', slash + 1);
            if (slash < 0 || colon < 0) return Optional.empty();
            return Optional.of(new CompiledRule(
                    id,
                    Effect.DENY,
                    uid.substring(0, slash),
                    uid.substring(slash + 1, colon),
                    EnumSet.allOf(io.p9gate.policy.terms.OpKind.class),
                    new io.p9gate.policy.compile.Scope.Subtree(
                            io.p9gate.policy.terms.SharePath.of(uid.substring(colon + 1))),
                    errno));
        } catch (InternalException | IOException | IllegalArgumentException e) {
            // Not a path of a share (no request's File is ever in it): nothing to protect.
            return Optional.empty();
        }
    }

    public Set<String> handWrittenIds() {
        return sourceOf.keySet();
    }

    private PolicyLoadException firstError(ValidationResponse resp) {
        if (resp.success.isPresent() && !resp.success.get().validationErrors.isEmpty()) {
            var ve = resp.success.get().validationErrors.getFirst();
            String id = ve.getPolicyId();
            DetailedError err = ve.getError();
            int offset = err.sourceLocations.isEmpty() ? 0 : err.sourceLocations.getFirst().start;
            Path file = sourceOf.get(id);
            SourcePos at = file == null ? wholeSet : locate(file, fileText(file), textOfFile.get(id), offset);
            return new PolicyLoadException(at, "Cedar policy " + id + " does not fit the schema: " + err.message);
        }
        String msg = resp.errors
                .flatMap(l -> l.stream().findFirst())
                .map(e -> e.message)
                .orElse("validation failed");
        return new PolicyLoadException(wholeSet, "Cedar validation failed: " + msg);
    }

    private static String fileText(Path file) {
        try {
            return PolicyFileText.text(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** Line and column in {@code file} of {@code offset} within one policy's source, found inside the file text. */
    private static SourcePos locate(Path file, String fileText, String policySrc, int offset) {
        int start = policySrc == null ? -1 : fileText.indexOf(policySrc);
        LineColumn at = LineColumn.of(fileText, (start < 0 ? 0 : start) + Math.max(0, offset));
        return new SourcePos(file, at.line(), at.column());
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
