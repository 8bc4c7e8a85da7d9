package io.carbon.channels;

import io.netty.buffer.ByteBuf;

/**
 * One message published to a channel. The payload is shared by every subscriber: each queue entry holds one
 * reference ({@link ByteBuf#retain()} when queued) and gives it up when written or dropped, so a message fanned
 * out to a thousand subscribers is in memory once.
 *
 * @param id      unique and increasing across the hub: the SSE event id, and the order for {@code Last-Event-ID}
 * @param text    a text message (valid UTF-8); otherwise binary
 * @param payload the message bytes; never modified after publishing (readers use duplicates)
 * @param datagram sent as a WebTransport datagram: unreliable, never kept for replay (members that cannot send
 *                 datagrams get it as a binary message)
 */
public record ChannelMessage(long id, boolean text, ByteBuf payload, boolean datagram) {
}
