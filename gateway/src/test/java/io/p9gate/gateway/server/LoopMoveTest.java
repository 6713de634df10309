package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

/**
 * While a connection moves to its VM's loops, {@link LoopMove} is the pipeline's last handler (the session's error
 * handler is not installed yet). An error then (bytes after the handshake the TLS engine cannot decode) reached
 * Netty's tail: one unthrottled WARNING per connection carrying the guest's bytes, and the connection stayed open.
 */
class LoopMoveTest {
    @Test
    void anErrorDuringTheMoveClosesTheConnectionAndStopsThere() {
        EmbeddedChannel channel = new EmbeddedChannel(new LoopMove());
        channel.pipeline().fireExceptionCaught(new DecoderException("not an SSL/TLS record: 474554202f"));
        assertDoesNotThrow(channel::checkException, "the error reached the end of the pipeline");
        assertFalse(channel.isOpen(), "the connection is closed");
    }
}
