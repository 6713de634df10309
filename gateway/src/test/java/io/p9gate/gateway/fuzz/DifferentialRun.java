package io.p9gate.gateway.fuzz;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends one seed's sequence to every target in lockstep and compares each reply with the reference's (the first
 * target). A target whose difference is not an {@link AcceptedDifferences accepted} one is reported and no longer
 * compared for the rest of the sequence: its tree has drifted from the reference's.
 */
final class DifferentialRun {
    /** The target whose signed log {@link #sent} is checked against. */
    static final int AUDITED = 1;

    /** A request as the audited gateway answered it: for the audit check, which records must exist. */
    record Sent(int conn, int tag, String label, String shape, boolean flushed) {}

    private static final boolean TRACE = Boolean.getBoolean("p9gate.fuzz.trace");
    final List<String> divergences = new ArrayList<>();
    /** Where diod dropped the connection, if it did: comparison with it ended there. */
    String lostDiod;

    final List<Sent> sent = new ArrayList<>();
    /**
     * (connection, fid) whose state at diod is no longer the reference's after an accepted difference (diod opened,
     * created or walked where p9gate refused, or the other way round): requests on it no longer go to diod, its
     * clunk does, uncompared.
     */
    private final java.util.Set<Long> divergedAtDiod = new java.util.HashSet<>();

    final int[] accepted = new int[1];
    private final long seed;
    private final List<Target> targets;
    private final boolean[] drifted;

    DifferentialRun(long seed, List<Target> targets) {
        this.seed = seed;
        this.targets = targets;
        this.drifted = new boolean[targets.size()];
    }

    void run(int requests, int connections) {
        for (int c = 0; c < connections; c++) {
            int conn = c;
            step(-1, FuzzStep.of(conn, "Tattach[fid=0]", t -> new TMessage.Tattach(0, -1, "root", t.aname, 0)));
        }
        RequestSequence sequence = new RequestSequence(seed, connections);
        for (int i = 0; i < requests; i++) {
            FuzzStep next = sequence.next();
            TMessage request = next.request().apply(targets.getFirst());
            String reply = step(i, next);
            sequence.answered(next.conn(), request, reply);
            if (request instanceof TMessage.Twalk(int fid, int newfid, List<String> names)
                    && reply.startsWith("Rwalk")
                    && reply.split("qid.type").length - 1 < names.size()) {
                forgetPartialWalk(next.conn(), fid, newfid);
            }
        }
    }

    /** Closes every fid the sequence may have used, on every connection, compared like any request. */
    void clunkAll(int connections) {
        for (int c = 0; c < connections; c++) {
            for (int fid = 0; fid < RequestSequence.FIDS; fid++) {
                step(-1, clunk(c, fid));
            }
            for (int fid : RequestSequence.UNUSED_FIDS) {
                step(-1, clunk(c, fid));
            }
        }
    }

    /**
     * walk(5): after a partial walk newfid is not made (or, walked in place, not moved), and p9gate makes none; diod
     * makes it (or moves the fid). Clunked there, so that the fids of both are the same again; a fid diod moved is
     * set aside.
     */
    private void forgetPartialWalk(int conn, int fid, int newfid) {
        for (int t = 0; t < targets.size(); t++) {
            if (targets.get(t).name.equals("diod") && !drifted[t]) {
                if (fid == newfid) {
                    divergedAtDiod.add(key(conn, fid));
                    continue;
                }
                try {
                    targets.get(t).conns[conn].clunk(newfid);
                } catch (IOException | P9Exception alreadyNone) {
                    // diod did not keep it this time
                }
            }
        }
    }

    /** Whether a target's tree still follows the reference's (no unaccepted difference so far). */
    boolean followed(int target) {
        return !drifted[target];
    }

    /** Sends the step to every target; returns the reference's reply. */
    private String step(int index, FuzzStep step) {
        String reference = null;
        TMessage request = step.request().apply(targets.getFirst());
        for (int t = 0; t < targets.size(); t++) {
            Target target = targets.get(t);
            if (step.p9gateOnly() && target.name.equals("diod")) {
                if (!drifted[t] && succeeded(reference) && changesTree(request, step.facts())) {
                    drifted[t] = true;
                    lostDiod = "seed " + seed + ": diod no longer followed from " + step.label()
                            + ", a change not sent to it";
                    System.out.println(lostDiod);
                }
                continue;
            }
            if (target.name.equals("diod") && !drifted[t] && onDivergedFid(t, step, request, reference)) {
                continue;
            }
            int[] tag = new int[1];
            long began = System.nanoTime();
            String shape = send(target, step, tag);
            long millis = (System.nanoTime() - began) / 1_000_000;
            if (millis > 500) {
                System.out.println("slow: " + target.name + " " + millis + " ms for " + step.label() + ": " + shape);
            }
            if (TRACE) {
                System.out.println("trace " + seed + " " + index + " c" + step.conn() + " " + target.name + " "
                        + step.label().replaceAll("n{20,}", "LONG") + " {" + step.facts() + "} -> " + shape);
            }
            if (!target.name.equals("diod") && (shape.startsWith("NO REPLY") || shape.equals("Rlerror EIO"))) {
                divergences.add("seed " + seed + " request " + index + ": " + target.name + " answered " + step.label()
                        + " with " + shape + " (a hang, a dropped connection or an unexpected fault)");
            }
            if (t == AUDITED) {
                sent.add(new Sent(step.conn(), tag[0], step.label(), shape, step.flush()));
            }
            if (t == 0) {
                reference = shape;
                continue;
            }
            if (target.idsMapped) {
                shape = Target.withoutIds(shape);
            }
            if (!drifted[t] && shape.startsWith("NO REPLY") && target.name.equals("diod")) {
                // diod closes a connection on some requests p9gate answers; its fids are gone, stop comparing.
                drifted[t] = true;
                lostDiod = "seed " + seed + " request " + index + ": diod closed the connection at " + step.label();
                System.out.println(lostDiod);
                continue;
            }
            if (!drifted[t] && target.name.equals("diod") && step.facts().contains(FidModel.ABOVE_ROOT)) {
                // diod walks out of its export at ".." (it does not stop at the root): the same reply, another place
                followAccepted(t, step, request, reference, shape);
            }
            if (drifted[t] || !step.compared()) {
                continue;
            }
            if (shape.equals(target.idsMapped ? Target.withoutIds(reference) : reference)) {
                followTree(t, step, reference);
                continue;
            }
            String reason = target.name.equals("diod") ? AcceptedDifferences.reason(step, reference, shape) : null;
            if (reason != null) {
                followAccepted(t, step, request, reference, shape);
                followTree(t, step, reference);
                if (accepted[0]++ < 40) {
                    System.out.println("accepted: seed " + seed + " request " + index + " " + step.label() + ": "
                            + reference + " | " + shape);
                }
                continue;
            }
            drifted[t] = true;
            divergences.add("seed " + seed + " request " + index + " on connection " + step.conn() + ": "
                    + step.label() + (step.facts().isEmpty() ? "" : " {" + step.facts() + "}") + "\n    "
                    + targets.getFirst().name + ": " + reference + "\n    " + target.name
                    + ": " + shape);
        }
        return reference;
    }

    /** After replies alike (or accepted): ends comparison with diod where its tree took another change. */
    private void followTree(int t, FuzzStep step, String reference) {
        String reason = targets.get(t).name.equals("diod") ? AcceptedDifferences.treeReason(step, reference) : null;
        if (reason != null && !drifted[t]) {
            drifted[t] = true;
            lostDiod = "seed " + seed + ": diod no longer followed from " + step.label() + ": " + reason;
            System.out.println(lostDiod);
        }
    }

    private static long key(int conn, int fid) {
        return ((long) conn << 32) | (fid & 0xffffffffL);
    }

    /**
     * A request naming a fid diod no longer agrees on is not sent there; a clunk or remove of it is sent to diod as a
     * clunk, uncompared. A walk from it that the reference made leaves diod without the new fid too. Once the
     * reference changes its tree through such a fid, diod's tree is no longer comparable: comparison with it ends.
     */
    private boolean onDivergedFid(int t, FuzzStep step, TMessage request, String reference) {
        Target diod = targets.get(t);
        int conn = step.conn();
        boolean named = FidModel.fidsOf(request).values().stream().anyMatch(f -> divergedAtDiod.contains(key(conn, f)));
        if (!named) {
            return false;
        }
        boolean referenceOk = succeeded(reference);
        String commits = AcceptedDifferences.divergedClunkReason(step);
        if (referenceOk && !step.flush() && changesTree(request, step.facts()) || commits != null) {
            drifted[t] = true;
            lostDiod = "seed " + seed + ": diod no longer followed from " + step.label()
                    + ", a change through a fid it did not agree on since an accepted difference"
                    + (commits == null ? "" : ": " + commits);
            System.out.println(lostDiod);
        }
        switch (request) {
            case TMessage.Tclunk(int fid) -> release(diod, conn, fid);
            case TMessage.Tremove(int fid) -> release(diod, conn, fid);
            case TMessage.Twalk(int fid, int newfid, List<String> names)
            when referenceOk -> divergedAtDiod.add(key(conn, newfid));
            case TMessage.Txattrwalk(int fid, int newfid, String name)
            when referenceOk -> divergedAtDiod.add(key(conn, newfid));
            default -> {}
        }
        return true;
    }

    private static boolean succeeded(String shape) {
        return shape != null && shape.startsWith("R") && !shape.startsWith("Rlerror");
    }

    private static boolean changesTree(TMessage request, String facts) {
        return switch (request) {
            case TMessage.Tgetattr g -> false;
            case TMessage.Tread r -> false;
            case TMessage.Treaddir r -> false;
            case TMessage.Treadlink r -> false;
            case TMessage.Tstatfs r -> false;
            case TMessage.Twalk w -> false;
            case TMessage.Txattrwalk w -> false;
            case TMessage.Tgetlock l -> false;
            case TMessage.Tlock l -> false;
            case TMessage.Tfsync f -> false;
            case TMessage.Tclunk c -> facts.contains("xattr-write");
            case TMessage.Twrite w -> !facts.contains("xattr-write"); // the clunk commits it
            case TMessage.Tlopen o -> (o.flags() & 01000) != 0; // O_TRUNC
            case TMessage.Txattrcreate x -> false; // the clunk commits it
            case TMessage.Tattach a -> false;
            default -> true;
        };
    }

    private void release(Target diod, int conn, int fid) {
        divergedAtDiod.remove(key(conn, fid));
        try {
            diod.conns[conn].clunk(fid);
        } catch (IOException | P9Exception notHeld) {
            // diod may not hold it (a walk only the reference made)
        }
    }

    /**
     * After an accepted difference on a request that makes or changes a fid, diod's fid is no longer the
     * reference's: one diod made and the reference did not is clunked there, any other is set aside.
     */
    private void followAccepted(int t, FuzzStep step, TMessage request, String reference, String theirs) {
        Target diod = targets.get(t);
        int conn = step.conn();
        if (reference.startsWith("Rlerror") && theirs.startsWith("Rlerror")) {
            return;
        }
        if (reference.startsWith("Rlerror") != theirs.startsWith("Rlerror") && changesTree(request, step.facts())) {
            drifted[t] = true;
            lostDiod = "seed " + seed + ": diod no longer followed from " + step.label()
                    + ", which changed one tree and not the other (an accepted difference)";
            System.out.println(lostDiod);
            return;
        }
        Integer changed = FidModel.changedFid(request);
        if (changed == null) {
            return;
        }
        boolean made = request instanceof TMessage.Twalk w && w.fid() != w.newfid()
                || request instanceof TMessage.Txattrwalk x && x.fid() != x.newfid()
                || request instanceof TMessage.Tattach;
        if (made && reference.startsWith("Rlerror")) {
            release(diod, conn, changed);
        } else {
            divergedAtDiod.add(key(conn, changed));
        }
    }

    private static FuzzStep clunk(int conn, int fid) {
        TMessage request = new TMessage.Tclunk(fid);
        return FuzzStep.of(conn, request.toString(), t -> request);
    }

    private static String send(Target target, FuzzStep step, int[] tag) {
        P9Client client = target.conns[step.conn()];
        TMessage request = step.request().apply(target);
        try {
            if (request instanceof TMessage.Tunlinkat unlink && target.name.equals("diod")) {
                return DiodEntryRequests.unlinkat(client, unlink);
            }
            if (request instanceof TMessage.Trenameat rename && target.name.equals("diod")) {
                return DiodEntryRequests.renameat(client, rename);
            }
            if (step.flush()) {
                PendingCall call = client.send(request);
                tag[0] = call.tag();
                String shape = ReplyShape.of(client.rpc(new TMessage.Tflush(call.tag())));
                call.reply().thenAccept(CodecBuffers::releasePayload);
                return shape;
            }
            PendingCall call = client.send(request);
            tag[0] = call.tag();
            RMessage reply = client.await(call);
            // A listing from a made-up offset reaches another place at each server (keyed offsets): not continued.
            if (request instanceof TMessage.Treaddir(int fid, long offset, int count) && step.compared()) {
                target.answered(step.conn(), fid, reply);
            }
            String shape = ReplyShape.of(reply);
            CodecBuffers.releasePayload(reply);
            return shape;
        } catch (P9Exception e) {
            return "Rlerror " + e.errno();
        } catch (IOException e) {
            return "NO REPLY: " + e.getMessage();
        }
    }
}
