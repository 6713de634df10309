package io.p9gate.gateway.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Examples for the help of the gateway's own commands, kept in one place; the policy, audit and keys commands carry
 * theirs in their {@code @Command}. Every command a user can reach has at least one (checked by
 * {@code tools.HelpExamplesTest}, which walks the whole command tree).
 */
final class UsageExamples {
    private static final Map<String, List<String>> EXAMPLES = Map.of(
            "p9gate",
                    List.of(
                            "p9gate demo",
                            "p9gate policy check policies/infotainment.yaml",
                            "p9gate help audit verify"),
            "p9gate serve",
                    List.of(
                            "p9gate serve --policy /etc/p9gate/policy.yaml --audit-dir /var/lib/p9gate/audit --audit-key /etc/p9gate/audit.key",
                            "p9gate serve --listen tcp:127.0.0.1:5640 --share data=/srv/data   # development: no policy"),
            "p9gate demo", List.of("p9gate demo", "p9gate demo --port 5641 --keep"),
            "p9gate certs",
                    List.of(
                            "p9gate certs --dir /tmp/pki --vm infotainment --vm cluster",
                            "p9gate certs --dir /tmp/pki --revoke cluster"),
            "p9gate policy reload", List.of("p9gate policy reload --pid-file /run/p9gate/p9gate.pid"),
            "p9gate package",
                    List.of(
                            "p9gate package --policy policies/infotainment.yaml --out dist --sign release.key",
                            "p9gate package verify /opt/p9gate --key release.pub"),
            "p9gate package verify", List.of("p9gate package verify /opt/p9gate --key release.pub"),
            "p9gate status", List.of("p9gate status", "p9gate status --metrics tcp:127.0.0.1:9464"),
            "p9gate compliance",
                    List.of("p9gate compliance run --policy /etc/p9gate/policy.yaml --report /tmp/compliance"),
            "p9gate compliance run",
                    List.of(
                            "p9gate compliance run --policy /etc/p9gate/policy.yaml --audit-log /var/lib/p9gate/audit --audit-pub /etc/p9gate/audit.pub --report /tmp/compliance"));

    private UsageExamples() {}

    /** Gives every command in the tree that has no examples of its own the ones listed here. */
    static void addTo(CommandLine command) {
        CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        List<String> examples = EXAMPLES.get(command.getCommandSpec().qualifiedName());
        if (usage.footer().length == 0 && examples != null) {
            usage.footerHeading("%nExamples:%n")
                    .footer(examples.stream().map(e -> "  " + e).toArray(String[]::new));
        }
        command.getSubcommands().values().stream().distinct().forEach(UsageExamples::addTo);
    }
}
