package io.p9gate.policy.load;

/**
 * The refusal of a YAML alias ({@code *name}), in one wording for loading a policy and for {@code policy fmt}: a
 * policy says each value where it applies.
 */
public final class YamlAliases {

    private YamlAliases() {}

    /**
     * @param anchorLine the line of the anchor of a mapping or list it names, or 0 (a scalar's, which the loader's
     *     parser does not report, or none)
     */
    public static String refusal(String alias, int anchorLine) {
        return "YAML alias '*" + alias + "'" + (anchorLine == 0 ? "" : " (of the anchor at line " + anchorLine + ")")
                + ": aliases, anchors and '<<' merges are not supported; write the value out here";
    }
}
