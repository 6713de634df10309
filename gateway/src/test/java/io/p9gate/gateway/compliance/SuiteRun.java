package io.p9gate.gateway.compliance;

import io.p9gate.gateway.cli.Main;
import io.p9gate.gateway.policyadapter.GatewayMutation;
import io.p9gate.gateway.policyadapter.MutantGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** {@code p9gate compliance run} through the real command line, its exit code and output captured. */
record SuiteRun(int exitCode, String out, String err) {

    /** Runs the suite with {@code policy} against {@code served}, with reports in {@code report}; more options after. */
    static SuiteRun against(Path policy, ServedGateway served, Path report, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "compliance",
                "run",
                "--policy",
                policy.toString(),
                "--audit-log",
                served.auditDir.toString(),
                "--audit-pub",
                served.publicKey.toString(),
                "--report",
                report.toString()));
        args.addAll(Arrays.asList(more));
        return of(args.toArray(String[]::new));
    }

    /** Serves {@code policy} (audit log and keys in {@code dir/gw}) and runs the suite against it, reports in {@code dir/report}. */
    static SuiteRun served(Path policy, Path dir, String... more) throws Exception {
        try (ServedGateway gateway = ServedGateway.serve(policy, Files.createDirectories(dir.resolve("gw")))) {
            return against(policy, gateway, dir.resolve("report"), more);
        }
    }

    /** Serves {@code policy} with {@code mutation} (audit log and keys in {@code dir/gw}) and runs the suite against it; more options after. */
    static SuiteRun mutated(Path policy, Path dir, GatewayMutation mutation, String... more) throws Exception {
        try (MutantGateway gateway =
                MutantGateway.serve(policy, Files.createDirectories(dir.resolve("gw")), mutation)) {
            List<String> args = new ArrayList<>(List.of(
                    "compliance",
                    "run",
                    "--policy",
                    policy.toString(),
                    "--audit-log",
                    gateway.auditDir.toString(),
                    "--audit-pub",
                    gateway.publicKey.toString(),
                    "--audit-wait",
                    "3"));
            args.addAll(Arrays.asList(more));
            return of(args.toArray(String[]::new));
        }
    }

    static SuiteRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new SuiteRun(code, out.toString(), err.toString());
    }

    /** The progress lines of one status ("FAIL", "skip", "pass"). */
    List<String> lines(String word) {
        return out.lines().filter(l -> l.startsWith(word + " ")).toList();
    }

    String describe() {
        return "exit " + exitCode + "\n" + out + (err.isEmpty() ? "" : "\nstderr:\n" + err);
    }
}
