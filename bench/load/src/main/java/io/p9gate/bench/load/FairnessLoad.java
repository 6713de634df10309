package io.p9gate.bench.load;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two halves of {@code bench/fairness.sh} (R-ROB-2: one VM's flood costs another a bounded delay).
 * {@code victim} reads small files one at a time as {@code cat} does (walk, open, read 4 KiB, clunk), or with
 * {@code --sequence create} makes them as {@code echo >f; rm f} does (walk, create, write 4 KiB, clunk, unlink: two
 * changes, each waiting for its audit intent's fsync), and prints the p50, p99 and worst latency of that sequence; {@code flood} keeps the gateway busy on behalf of another VM
 * until it is stopped, each kind on its own connections with {@code --in-flight} requests outstanding:
 * {@code readdir} (Treaddir of a large directory), {@code denied-walks} (walks into a hidden subtree, each one
 * denied and audited), {@code xattr} (64 KiB values announced by Txattrcreate, never committed), {@code fids}
 * (walks whose fids are never clunked) and {@code writes} (Twrites of the whole iounit over the first 256 MiB of a
 * file of the connection's own, again and again: the disk kept busy without the file growing past that), and
 * {@code synced-writes} (the same with a Tfsync of the file after each Twrite).
 */
public final class FairnessLoad {
    private static final String USAGE = "usage: fairness-load victim --server ADDR --aname NAME [--dir small]"
            + " [--files 100] [--ops 3000] [--warmup 300] [--sequence read|create]\n"
            + "       fairness-load flood --server ADDR --aname NAME [--kinds readdir,denied-walks,xattr,fids,writes,meta]"
            + " [--connections 4] [--in-flight 64] [--big big] [--entries 20000] [--hidden secret]";
    private static final int MSIZE = 512 * 1024;
    private static final int SMALL_READ = 4096;
    private static final int XATTR_VALUE = 64 * 1024;
    private static final int FLOOD_FIDS = 1 << 24;
    private static final long FLOOD_FILE_BYTES = 256L << 20;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int AT_REMOVEDIR = 0x200;

    private FairnessLoad() {}

    public static void main(String[] args) {
        try {
            if (args.length == 0) {
                throw new IllegalArgumentException("victim or flood?");
            }
            Map<String, String> options = options(Arrays.copyOfRange(args, 1, args.length));
            Endpoint server = LoadOptions.server(required(options, "--server"));
            String aname = required(options, "--aname");
            switch (args[0]) {
                case "victim" -> victim(server, aname, options);
                case "flood" -> flood(server, aname, options);
                default -> throw new IllegalArgumentException("unknown role " + args[0]);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("fairness-load: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        } catch (IOException | P9Exception | InterruptedException e) {
            System.err.println("fairness-load: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            out.put(args[i], args[i + 1]);
        }
        return out;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    private static int number(Map<String, String> options, String name, int fallback) {
        String value = options.get(name);
        return value == null ? fallback : LoadOptions.positive(name, value);
    }

    // ---------------------------------------------------------------- the victim

    private static void victim(Endpoint server, String aname, Map<String, String> options)
            throws IOException, P9Exception {
        String dir = options.getOrDefault("--dir", "small");
        int files = number(options, "--files", 100);
        int ops = number(options, "--ops", 3000);
        int warmup = number(options, "--warmup", 300);
        long[] nanos = new long[ops];
        String sequence = options.getOrDefault("--sequence", "read");
        if (!sequence.equals("read") && !sequence.equals("create")) {
            throw new IllegalArgumentException("--sequence is read or create, not " + sequence);
        }
        byte[] small = new byte[SMALL_READ];
        try (LoadSession session = LoadSession.open(server, aname, MSIZE)) {
            P9Client client = session.client();
            int fid = session.newFid();
            int dirFid = session.walkFromRoot(dir);
            for (int i = -warmup; i < ops; i++) {
                long start = System.nanoTime();
                if (sequence.equals("read")) {
                    client.walk(LoadSession.ROOT_FID, fid, dir, "f" + Math.floorMod(i, files));
                    client.lopen(fid, 0);
                    client.read(fid, 0, SMALL_READ);
                    client.clunk(fid);
                } else {
                    client.walk(dirFid, fid);
                    client.lcreate(fid, "victim-new", O_WRONLY | O_CREAT, 0644, 0);
                    client.write(fid, 0, small);
                    client.clunk(fid);
                    session.unlink(dirFid, "victim-new", false);
                }
                if (i >= 0) {
                    nanos[i] = System.nanoTime() - start;
                }
            }
        }
        Arrays.sort(nanos);
        String name = "small-" + sequence;
        System.out.println(result(name + "-p50", nanos[(int) (ops * 0.50)]));
        System.out.println(result(name + "-p99", nanos[Math.min(ops - 1, (int) Math.ceil(ops * 0.99) - 1)]));
        System.out.println(result(name + "-max", nanos[ops - 1]));
    }

    private static String result(String name, long nanos) {
        return String.format(Locale.ROOT, "RESULT %s %.1f us", name, nanos / 1e3);
    }

    // ---------------------------------------------------------------- the flood

    private static void flood(Endpoint server, String aname, Map<String, String> options)
            throws IOException, P9Exception, InterruptedException {
        List<String> kinds = List.of(options.getOrDefault("--kinds", "readdir,denied-walks,xattr,fids")
                .split(","));
        int connections = number(options, "--connections", 4);
        int inFlight = number(options, "--in-flight", 64);
        Flood flood = new Flood(
                options.getOrDefault("--big", "big"),
                number(options, "--entries", 20000),
                options.getOrDefault("--hidden", "secret"),
                inFlight);
        List<Thread> threads = new ArrayList<>();
        for (String kind : kinds) {
            for (int c = 0; c < connections; c++) {
                LoadSession session = LoadSession.open(server, aname, MSIZE);
                threads.add(Thread.ofPlatform()
                        .daemon()
                        .name("flood-" + kind + "-" + c)
                        .start(() -> flood.run(kind.trim(), session)));
            }
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> System.out.println(
                        "# flood " + kinds + ": " + flood.answered + " answered, " + flood.refused + " refused")));
        System.out.println(
                "# flooding: " + kinds + ", " + connections + " connections each, " + inFlight + " in flight each");
        System.out.flush();
        for (Thread t : threads) {
            t.join();
        }
    }

    /** One kind of flood on one connection, {@code inFlight} requests outstanding, until the process ends. */
    private static final class Flood {
        private final String big;
        private final int entries;
        private final String hidden;
        private final int inFlight;
        final AtomicLong answered = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        private final AtomicInteger counter = new AtomicInteger();

        Flood(String big, int entries, String hidden, int inFlight) {
            this.big = big;
            this.entries = entries;
            this.hidden = hidden;
            this.inFlight = inFlight;
        }

        void run(String kind, LoadSession session) {
            try {
                P9Client client = session.client();
                Semaphore window = new Semaphore(inFlight);
                int[] listings = kind.equals("readdir") ? openListings(session) : new int[0];
                int written = kind.endsWith("writes") ? newFloodFile(session) : -1;
                int chunk = session.ioChunk(client.iounit());
                byte[] data = new byte[chunk];
                for (long n = 0; client.isOpen(); n++) {
                    window.acquireUninterruptibly();
                    CompletableFuture<RMessage> reply = switch (kind) {
                        case "readdir" ->
                            client.send(new TMessage.Treaddir(listings[(int) (n % inFlight)], 0, client.msize() - 11))
                                    .reply();
                        case "denied-walks" ->
                            client.send(new TMessage.Twalk(LoadSession.ROOT_FID, FLOOD_FIDS, List.of(hidden, "x")))
                                    .reply();
                        case "xattr" -> pendingXattr(session);
                        case "writes" ->
                            client.send(new TMessage.Twrite(
                                            written,
                                            n * chunk % (FLOOD_FILE_BYTES - chunk),
                                            Unpooled.wrappedBuffer(data)))
                                    .reply();
                        case "synced-writes" ->
                            client.send(
                                            n % 2 == 0
                                                    ? new TMessage.Twrite(
                                                            written,
                                                            n * chunk % (FLOOD_FILE_BYTES - chunk),
                                                            Unpooled.wrappedBuffer(data))
                                                    : new TMessage.Tfsync(written, 0))
                                    .reply();
                        case "meta" -> metaChange(client, n);
                        case "fids" ->
                            client.send(new TMessage.Twalk(
                                            LoadSession.ROOT_FID,
                                            session.newFid(),
                                            List.of(big, "e" + counter.getAndIncrement() % entries)))
                                    .reply();
                        default -> throw new IllegalArgumentException("unknown flood kind " + kind);
                    };
                    reply.whenComplete((r, e) -> {
                        if (r instanceof RMessage.Rlerror || e != null) {
                            refused.incrementAndGet();
                        } else {
                            answered.incrementAndGet();
                        }
                        if (r != null) {
                            CodecBuffers.releasePayload(r);
                        }
                        window.release();
                    });
                }
                System.err.println("fairness-load: flood " + kind + " stopped: the gateway closed the connection");
            } catch (IOException | P9Exception | RuntimeException e) {
                System.err.println("fairness-load: flood " + kind + " stopped: " + e.getMessage());
            }
        }

        /**
         * Even requests make a directory of a name of their own, odd ones remove the one made {@code inFlight}
         * pairs before (answered by then: at most {@code inFlight} are outstanding): two changes, each waiting
         * for its audit intent's fsync, and the share's size stays put.
         */
        private CompletableFuture<RMessage> metaChange(P9Client client, long n) {
            String prefix = Thread.currentThread().getName() + "-";
            long pair = n / 2;
            if (n % 2 == 0) {
                return client.send(new TMessage.Tmkdir(LoadSession.ROOT_FID, prefix + pair, 0755, 0))
                        .reply();
            }
            return client.send(new TMessage.Tunlinkat(LoadSession.ROOT_FID, prefix + (pair - inFlight), AT_REMOVEDIR))
                    .reply();
        }

        /** {@code inFlight} fids open on the large directory, one per Treaddir in flight. */
        private int[] openListings(LoadSession session) throws IOException, P9Exception {
            int[] fids = new int[inFlight];
            for (int i = 0; i < inFlight; i++) {
                fids[i] = session.walkFromRoot(big);
                session.client().lopen(fids[i], 0);
            }
            return fids;
        }

        /** A file of this connection's own in the share's root, open for writing. */
        private int newFloodFile(LoadSession session) throws IOException, P9Exception {
            int fid = session.walkFromRoot();
            session.client().lcreate(fid, "flood-" + counter.getAndIncrement() + ".dat", O_RDWR | O_CREAT, 0644, 0);
            return fid;
        }

        /** A clone walk, then (once it has made the fid) a 64 KiB Txattrcreate on it, never clunked. */
        private static CompletableFuture<RMessage> pendingXattr(LoadSession session) {
            P9Client client = session.client();
            int fid = session.newFid();
            return client.send(new TMessage.Twalk(LoadSession.ROOT_FID, fid, List.of()))
                    .reply()
                    .thenCompose(walked -> client.send(new TMessage.Txattrcreate(fid, "user.flood", XATTR_VALUE, 0))
                            .reply());
        }
    }
}
