package io.carbon.server;

import io.carbon.testing.Poll;
import io.carbon.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connection floods (issue 14): silent and slowloris connections cannot keep another client out, because at
 * {@code max_connections} the connection idle the longest is closed to make room; busy connections are not;
 * one address cannot hold more than {@code max_connections_per_ip}. Clients use several loopback addresses
 * (127.0.0.2, 127.0.0.3) to play different hosts.
 */
class ConnectionFloodTest {

    @TempDir
    Path temp;

    private TestServer start(Map<String, String> settings) throws Exception {
        return TestServer.startSite(temp, settings);
    }


    /** A fetch from another address: the status line, or null when the server closed the connection. */
    private static String fetch(TestServer server, String from) throws Exception {
        try (Socket socket = server.connectFrom(from)) {
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] response = socket.getInputStream().readAllBytes();
            String text = new String(response, StandardCharsets.US_ASCII);
            return text.isEmpty() ? null : text.substring(0, text.indexOf('\r'));
        } catch (SocketException reset) {
            return null;
        }
    }

    private static void closeAll(List<Socket> sockets) throws Exception {
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    @Test
    void slowlorisConnectionsAtMaxConnectionsMakeRoomForAnotherClient() throws Exception {
        try (TestServer server = start(Map.of("max_connections", "20", "max_connections_per_ip", "0"))) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket socket = server.connectFrom("127.0.0.2");
                    socket.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                    slow.add(socket);
                }
                Poll.until("20 connections open", () -> server.server().openConnections() == 20);
                for (int i = 0; i < 5; i++) {
                    assertThat(fetch(server, "127.0.0.3")).as("fetch %d from another address", i)
                            .isEqualTo("HTTP/1.1 200 OK");
                }
            } finally {
                closeAll(slow);
            }
        }
    }

    @Test
    void busyConnectionsAreNotClosedForANewcomer() throws Exception {
        try (TestServer server = start(Map.of("max_connections", "5", "max_connections_per_ip", "0"))) {
            List<Socket> busy = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Socket socket = server.connectFrom("127.0.0.2");
                    // A complete head (the 100 Continue proves the server read it) and the start of its body:
                    // an exchange in progress.
                    socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n"
                            + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    String interim = new String(socket.getInputStream().readNBytes(25), StandardCharsets.US_ASCII);
                    assertThat(interim).startsWith("HTTP/1.1 100 Continue");
                    socket.getOutputStream().write("ab".getBytes(StandardCharsets.US_ASCII));
                    busy.add(socket);
                }
                Poll.until("5 connections open", () -> server.server().openConnections() == 5);
                assertThat(fetch(server, "127.0.0.3")).as("refused: every connection is busy").isNull();
                for (Socket socket : busy) {
                    socket.getOutputStream().write(new byte[98]); // the rest of each body: all still served
                    InputStream in = socket.getInputStream();
                    assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 405");
                }
            } finally {
                closeAll(busy);
            }
        }
    }

    @Test
    void oneAddressCannotHoldMoreThanItsShare() throws Exception {
        try (TestServer server = start(Map.of("max_connections_per_ip", "5"))) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Socket socket = server.connectFrom("127.0.0.2");
                    socket.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                    held.add(socket);
                }
                Poll.until("5 connections open", () -> server.server().openConnections() == 5);
                assertThat(fetch(server, "127.0.0.2")).as("a sixth from the same address").isNull();
                assertThat(fetch(server, "127.0.0.3")).isEqualTo("HTTP/1.1 200 OK");
            } finally {
                closeAll(held);
            }
        }
    }
}
