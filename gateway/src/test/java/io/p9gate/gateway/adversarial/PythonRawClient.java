package io.p9gate.gateway.adversarial;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.gateway.guest.RepoPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code gateway/src/test/python/raw9p.py}, the raw 9P2000.L client written from the protocol's description and not
 * from the gateway's codec, run against one server; its probes read back from the JSON line it prints for each.
 */
final class PythonRawClient {
    /** Far above a run's few seconds: a server that stops answering shows as a failure, not a stuck build. */
    private static final long RUN_LIMIT_SECONDS = 300;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request and the answer the client read: "closed", "timeout", a reply ("Rlerror EINVAL") or "malformed: ...". */
    record Probe(String name, int conn, int tag, String reply, int errno, boolean ok, boolean compare) {
        @Override
        public String toString() {
            return name + " [tag " + tag + "]: " + reply;
        }
    }

    private PythonRawClient() {}

    /** python3 on PATH, if any. */
    static Optional<Path> python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "python3");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Runs the client's probes for {@code mode} ("bare", "policy" or "diod") against {@code address} ("unix:PATH" or
     * "tcp:HOST:PORT"), attaching {@code aname}.
     */
    static List<Probe> run(Path python, String address, String aname, String mode, Path workDir)
            throws IOException, InterruptedException {
        Path script = RepoPaths.root().resolve("gateway/src/test/python/raw9p.py");
        Path out = workDir.resolve("raw9p-" + mode + ".out");
        Path err = workDir.resolve("raw9p-" + mode + ".err");
        Process process = new ProcessBuilder(python.toString(), script.toString(), address, aname, mode)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("raw9p.py " + mode + " did not end within " + RUN_LIMIT_SECONDS
                    + " s: the server stopped answering; last probes:\n" + tail(out));
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(
                    "raw9p.py " + mode + " failed (exit " + process.exitValue() + "):\n" + Files.readString(err));
        }
        List<Probe> probes = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            probes.add(parse(line));
        }
        return probes;
    }

    private static Probe parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return new Probe(
                    n.get("probe").asText(),
                    n.get("conn").asInt(),
                    n.get("tag").asInt(),
                    n.get("reply").asText(),
                    n.get("errno").asInt(),
                    n.get("ok").asBoolean(),
                    n.get("compare").asBoolean());
        } catch (IOException | NullPointerException e) {
            throw new AssertionError("raw9p.py printed a line that is not a probe: " + line, e);
        }
    }

    private static String tail(Path out) throws IOException {
        List<String> lines = Files.readAllLines(out);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }
}
