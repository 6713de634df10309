package io.p9gate.policy.load;

import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.model.SourcePos;

/**
 * One case of a policy test file: a request and what must come of it. {@code expect} is "allow", "deny"
 * (any errno) or an errno name; {@code by}, when set, must be among the deciding rule ids.
 */
public record PolicyTestCase(String name, DecisionRequest request, String expect, String by, SourcePos pos) {
}
