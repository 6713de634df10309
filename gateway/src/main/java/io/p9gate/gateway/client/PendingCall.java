package io.p9gate.gateway.client;

import io.p9gate.gateway.proto.RMessage;
import java.util.concurrent.CompletableFuture;

/**
 * A request sent and not yet answered. The tag lets a caller Tflush it; {@code request} (Twalk, a raw frame)
 * names it when no reply comes. An
 * Rread reply owns its buffer: whoever takes it from {@code reply} must release it.
 */
public record PendingCall(int tag, String request, CompletableFuture<RMessage> reply) {}
