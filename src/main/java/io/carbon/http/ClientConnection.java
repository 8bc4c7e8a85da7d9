package io.carbon.http;

import io.netty.channel.Channel;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;

/**
 * What is known of a client's connection, resolved once when it is accepted (and completed when its TLS
 * handshake is done), and shared by every exchange on it: HTTP/1.1 requests, HTTP/2 streams, later HTTP/3
 * streams on a QUIC connection. Features ask this rather than the socket.
 *
 * @param remoteAddress the client's address (from the socket's {@code remoteAddress()}, so a QUIC channel
 *                      works the same; a trusted proxy's word can replace it)
 * @param secure        true over TLS
 * @param tlsProtocol   the negotiated TLS version ({@code TLSv1.3}), or null
 * @param cipherSuite   the negotiated cipher suite, or null
 * @param proxy         the trusted proxy the request came through, when {@code remoteAddress} is the client it
 *                      named ({@code Forwarded}, {@code X-Forwarded-For}); null for a direct client
 */
public record ClientConnection(InetSocketAddress remoteAddress, boolean secure, String tlsProtocol,
                               String cipherSuite, InetSocketAddress proxy) {

    private static final AttributeKey<ClientConnection> KEY = AttributeKey.valueOf("carbon.client-connection");

    /** A connection as accepted, before any TLS details are known. */
    public static ClientConnection accepted(InetSocketAddress remoteAddress, boolean secure) {
        return new ClientConnection(remoteAddress, secure, null, null, null);
    }

    /** The same connection once its TLS handshake is done. */
    public ClientConnection withTls(String protocol, String cipher) {
        return new ClientConnection(remoteAddress, secure, protocol, cipher, proxy);
    }

    /** The same connection seen as {@code client}'s, which the trusted proxy at {@code remoteAddress} named. */
    public ClientConnection forwardedFor(InetSocketAddress client) {
        return new ClientConnection(client, secure, tlsProtocol, cipherSuite, remoteAddress);
    }

    /**
     * The connection's channel that {@code channel} belongs to: itself, an HTTP/2 stream's parent, or an HTTP/3
     * stream's QUIC connection (whose own parent is the UDP socket).
     */
    static Channel accepted(Channel channel) {
        Channel connection = channel;
        while (connection.parent() != null && !(connection.parent() instanceof ServerChannel)
                && !(connection.parent() instanceof DatagramChannel)) {
            connection = connection.parent();
        }
        return connection;
    }

    /** Records {@code connection} on the accepted channel, where {@link #of} finds it. */
    public static void attach(Channel channel, ClientConnection connection) {
        channel.attr(KEY).set(connection);
    }

    /**
     * The connection of {@code channel}: the accepted socket's, also for the HTTP/2 stream channels under it.
     * A channel nobody attached one to (tests, embedded channels) is described by its own socket address.
     */
    public static ClientConnection of(Channel channel) {
        Channel connection = accepted(channel);
        ClientConnection known = connection.attr(KEY).get();
        if (known != null) {
            return known;
        }
        return accepted(connection.remoteAddress() instanceof InetSocketAddress inet ? inet : null, false);
    }
}
