package io.p9gate.policy.model;

import io.p9gate.policy.terms.SharePath;

/** A read-only or hidden subtree of a share, with the id its compiled policy carries. */
public record Subtree(String id, SharePath path, SourcePos pos) {}
