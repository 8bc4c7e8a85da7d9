package io.carbon.http;

import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection context: resolved once on the accepted channel, found from the channels under it. */
class ClientConnectionTest {

    @Test
    void aStreamChannelSeesItsConnectionsContextWithTlsDetailsOnceKnown() {
        EmbeddedChannel socket = new EmbeddedChannel();
        EmbeddedChannel stream = new EmbeddedChannel(socket, DefaultChannelId.newInstance(), true, false);
        InetSocketAddress client = new InetSocketAddress("192.0.2.7", 40000);
        ClientConnection.attach(socket, ClientConnection.accepted(client, true));
        assertThat(ClientConnection.of(stream).remoteAddress()).isEqualTo(client);
        assertThat(ClientConnection.of(stream).tlsProtocol()).isNull();

        ClientConnection.attach(socket, ClientConnection.of(socket).withTls("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
        ClientConnection seen = ClientConnection.of(stream);
        assertThat(seen.secure()).isTrue();
        assertThat(seen.tlsProtocol()).isEqualTo("TLSv1.3");
        assertThat(seen.cipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
        stream.finishAndReleaseAll();
        socket.finishAndReleaseAll();
    }

    @Test
    void aChannelWithoutContextIsDescribedByItsOwnSocket() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ClientConnection connection = ClientConnection.of(channel);
        assertThat(connection.secure()).isFalse();
        assertThat(connection.remoteAddress()).as("an embedded channel has no IP address").isNull();
        channel.finishAndReleaseAll();
    }
}
