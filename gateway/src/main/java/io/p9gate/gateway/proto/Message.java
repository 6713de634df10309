package io.p9gate.gateway.proto;

/**
 * A 9P2000.L message body (without size, type and tag). Immutable records only: requests
 * ({@link TMessage}) and replies ({@link RMessage}). A {@link Frame} adds the tag.
 */
public sealed interface Message permits TMessage, RMessage {
    /** The 9P type byte of this message. */
    MessageType type();
}
