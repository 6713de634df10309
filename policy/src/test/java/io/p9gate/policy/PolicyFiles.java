package io.p9gate.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small policy files for tests. */
final class PolicyFiles {
    private PolicyFiles() {}

    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text.stripIndent());
        return p;
    }

    /** A one-VM policy without shares whose VM has one more line, {@code vmLine} (e.g. "limits: {fids: 1}", line 5). */
    static String oneVmWith(String vmLine) {
        return """
                image: test
                vms:
                  vm1:
                    listen: unix:/run/p9gate/vm1.sock
                    %s
                """.formatted(vmLine);
    }

    /** The lines before the VMs of a policy with {@code protect:}, ending with {@code vms:}. */
    static final String WITH_PROTECT = """
            image: test
            protect:
              keys: /etc/p9gate/keys
              audit: /var/lib/p9gate/audit
            vms:
            """;

    /** A one-VM policy whose share body is {@code share} (indented under the share key). */
    static String oneShare(String share) {
        return WITH_PROTECT + """
                  vm1:
                    listen: unix:/run/p9gate/vm1.sock
                    shares:
                      data:
                """
                + share.stripIndent().lines().map(l -> "        " + l + "\n").reduce("", String::concat);
    }
}
