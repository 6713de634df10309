package io.p9gate.policy.terms;

/**
 * The unit both evaluators decide: one operation on one path. A rename or link asks two of these
 * (source and destination) and is allowed only if both are (R-POL-3: "into or out of").
 */
public record PathQuestion(String vm, String share, OpKind op, SharePath path, long uid, long gid) {}
