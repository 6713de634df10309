package io.p9gate.policy.model;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated policy for one ECU image. {@code cedarFiles} are hand-written Cedar policy files that sit
 * beside the YAML and are added to the compiled policy set.
 */
public record PolicyFile(
        Path source, String image, ProtectedPaths protectedPaths, List<Path> cedarFiles, Map<String, VmPolicy> vms) {
    public PolicyFile {
        cedarFiles = List.copyOf(cedarFiles);
        vms = Collections.unmodifiableMap(new LinkedHashMap<>(vms)); // file order, for stable messages
    }
}
