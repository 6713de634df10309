package io.p9gate.policy.cedar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.cedarpolicy.model.DetailedError;
import com.cedarpolicy.model.ValidationResponse;
import com.cedarpolicy.model.exception.AuthException;
import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Cedar's validation itself failing (its native library, or a request it cannot take) blames no one policy: the
 * error named "<cedar>", no file and no line. It is now at the policy file's first line, FILE:LINE:COL as any error.
 */
class CedarValidationFailureTest {
    private final Path yaml = Path.of("/etc/p9gate/policy.yaml");

    @Test
    void aValidationThatThrowsIsReportedAtThePolicyFile() {
        PolicyLoadException e = assertThrows(
                PolicyLoadException.class,
                () -> new CedarPolicySetBuilder().from(yaml).build(request -> {
                    throw new AuthException("the native library is gone\nat line 2");
                }));
        assertEquals(yaml + ":1:1", e.pos().toString());
        assertEquals("Cedar validation failed: the native library is gone", e.reason());
    }

    @Test
    void aValidationThatFailsIsReportedAtThePolicyFile() {
        DetailedError error = new DetailedError(
                "failed to parse schema",
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        ValidationResponse failed = new ValidationResponse(
                ValidationResponse.SuccessOrFailure.Failure,
                Optional.empty(),
                Optional.empty(),
                Optional.of(List.of(error)),
                Optional.empty());
        PolicyLoadException e = assertThrows(
                PolicyLoadException.class,
                () -> new CedarPolicySetBuilder().from(yaml).build(request -> failed));
        assertEquals(yaml + ":1:1", e.pos().toString());
        assertEquals("Cedar validation failed: failed to parse schema", e.reason());
    }
}
