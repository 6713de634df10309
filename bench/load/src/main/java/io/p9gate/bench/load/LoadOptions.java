package io.p9gate.bench.load;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The load client's command line (the client contract of bench/clients/guest-kernel.sh plus
 * {@code --concurrency}, {@code --msize} and, for a {@code tls:} server, the VM's certificate).
 *
 * @param concurrency requests outstanding at once in every workload
 * @param msize       offered in Tversion; the workloads use what the server grants
 */
public record LoadOptions(
        Endpoint server, String aname, List<Workload> workloads, int sizeMiB, int files, int concurrency, int msize) {
    public static final String USAGE = "usage: java-load --server HOST:PORT|unix:PATH|tls:HOST:PORT --aname NAME"
            + " [--workloads seq-write,seq-read,meta,getattr] [--size-mb M] [--files F]"
            + " [--concurrency N] [--msize BYTES] [--tls-cert FILE --tls-key FILE --tls-ca FILE]";

    public LoadOptions {
        workloads = List.copyOf(workloads);
    }

    /** @throws IllegalArgumentException with a one-line explanation */
    public static LoadOptions parse(String... args) {
        String server = null;
        String aname = null;
        List<Workload> workloads = List.of(Workload.SEQ_WRITE, Workload.SEQ_READ, Workload.META);
        int sizeMiB = 128;
        int files = 500;
        int concurrency = 16;
        int msize = 512 * 1024;
        Path tlsCert = null;
        Path tlsKey = null;
        Path tlsCa = null;
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[i + 1];
            switch (name) {
                case "--server" -> server = value;
                case "--aname" -> aname = value;
                case "--workloads" -> workloads = parseWorkloads(value);
                case "--size-mb" -> sizeMiB = positive(name, value);
                case "--files" -> files = positive(name, value);
                case "--concurrency" -> concurrency = positive(name, value);
                case "--msize" -> msize = positive(name, value);
                case "--tls-cert" -> tlsCert = Path.of(value);
                case "--tls-key" -> tlsKey = Path.of(value);
                case "--tls-ca" -> tlsCa = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (server == null || aname == null) {
            throw new IllegalArgumentException("--server and --aname are required");
        }
        return new LoadOptions(
                Endpoint.parse(server, tlsCert, tlsKey, tlsCa), aname, workloads, sizeMiB, files, concurrency, msize);
    }

    private static List<Workload> parseWorkloads(String value) {
        List<Workload> list = new ArrayList<>();
        for (String name : value.split(",")) {
            list.add(Workload.parse(name.trim()));
        }
        return list;
    }

    static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " wants a positive integer, not '" + value + "'");
    }

    /** A {@code --server} without TLS options (FairnessLoad's): {@code HOST:PORT} or {@code unix:PATH}. */
    static Endpoint server(String text) {
        return Endpoint.parse(text, null, null, null);
    }

    public long sizeBytes() {
        return (long) sizeMiB * 1024 * 1024;
    }
}
