package io.p9gate.bench.load;

import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Host-side 9P load client for bench/compare-diod.sh: one TCP session to the server, then the
 * chosen workloads with {@code --concurrency} requests outstanding. Prints one
 * {@code RESULT <workload> <value> <unit>} line per workload and {@code # ...} notes (granted
 * msize, whether the page cache was dropped).
 */
public final class LoadGenerator {
    private final LoadOptions options;
    private final PrintStream out;

    LoadGenerator(LoadOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("java-load: " + e.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            new LoadGenerator(options, System.out).run();
        } catch (IOException | P9Exception e) {
            System.err.println("java-load: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    List<LoadResult> run() throws IOException, P9Exception {
        List<LoadResult> results = new ArrayList<>();
        String nonce = "bench." + UUID.randomUUID().toString().substring(0, 8);
        try (LoadSession session = LoadSession.open(options.server(), options.aname(), options.msize())) {
            out.println("# msize " + session.client().msize() + " concurrency " + options.concurrency());
            SequentialWorkloads seq =
                    new SequentialWorkloads(session, nonce + ".dat", options.sizeBytes(), options.concurrency());
            MetadataWorkloads meta =
                    new MetadataWorkloads(session, nonce + ".d", options.files(), options.concurrency());
            boolean written = false;
            try {
                for (Workload workload : options.workloads()) {
                    LoadResult result = switch (workload) {
                        case SEQ_WRITE -> {
                            written = true;
                            yield seq.write();
                        }
                        case SEQ_READ -> {
                            if (!written) {
                                seq.write();
                                written = true;
                            }
                            out.println(
                                    PageCache.drop()
                                            ? "# page cache dropped before seq-read"
                                            : "# page cache NOT dropped (not root): seq-read may come from it");
                            yield seq.read();
                        }
                        case META -> {
                            LoadResult r = meta.meta();
                            out.println("# meta phases: " + meta.phases());
                            yield r;
                        }
                        case GETATTR -> meta.getattr();
                    };
                    out.println(result.line());
                    out.flush();
                    results.add(result);
                }
            } finally {
                if (written) {
                    seq.remove();
                }
            }
        }
        return results;
    }
}
