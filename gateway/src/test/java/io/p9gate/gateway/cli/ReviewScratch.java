package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Function;

/** What a command line is checked against in {@code tmp}: a log holding its START record, its public key, a FIFO. */
record ReviewScratch(Path log, Path pub, Path fifo) {
    static ReviewScratch in(Path tmp) throws Exception {
        SigningKey key = SigningKey.generate("ecu-a-audit", new SecureRandom());
        Path pub = tmp.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, tmp.resolve("audit.key"), pub);
        Path log = tmp.resolve("log");
        AuditLog.open(log, key, AuditOptions.defaults("p9gate.example/ecu-a/audit"))
                .close();
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return new ReviewScratch(log, pub, fifo);
    }

    /** Every command line that reads a file the user names, as a function of that name. */
    List<Function<String, List<String>>> readingAFile() {
        String l = log.toString();
        String p = pub.toString();
        return List.of(
                f -> List.of("policy", "check", f),
                f -> List.of("policy", "test", f),
                f -> List.of("policy", "fmt", f),
                f -> List.of("policy", "replay", "--no-verify", "--log", l, "--policy", f),
                f -> List.of("audit", "verify", "--log", l, "--key", f),
                f -> List.of("audit", "verify", "--log", l, "--key", p, "--pin", f),
                f -> List.of("audit", "check-proof", "--key", p, f));
    }

    /** Every command line that writes a file the user names (renamed onto the name), as a function of that name. */
    List<Function<String, List<String>>> writingAFile() {
        String l = log.toString();
        String p = pub.toString();
        return List.of(
                f -> List.of("audit", "verify", "--log", l, "--key", p, "--save-pin", f),
                f -> List.of("audit", "export", "--log", l, "--format", "jsonl", "--output", f),
                f -> List.of("audit", "report", "--log", l, "--key", p, "--html", f));
    }
}
