package io.carbon.websocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static io.carbon.websocket.RawWebSocket.CONT;
import static io.carbon.websocket.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 6455 §8.1: text messages must be valid UTF-8, checked across fragments and across TCP reads, and an
 * invalid one fails the connection with 1007 as soon as the bad byte arrives (not when the message ends).
 */
class WebSocketUtf8Test {

    static WsTestServer server;

    @BeforeAll
    static void start() {
        server = new WsTestServer(new WsConfig().build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "7f", "c280", "dfbf", "e0a080", "efbfbf", "ed9fbf", "ee8080", "f0908080", "f48fbfbf",
            "cebae1bdb9cf83cebcceb5", // "κόσμε"
            "efbbbf",                 // a BOM is an ordinary character here
    })
    void validSequencesAreEchoed(String hex) throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, TEXT, hex(hex));
            assertThat(ws.read().payload()).isEqualTo(hex(hex));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "80", "bf", "c0af", "c1bf", "e080af", "f08080af", "f8888080af", "fc84808080af", // stray and overlong
            "eda080", "edbfbf", "eda080edb080",   // surrogates (Autobahn 6.19-6.21)
            "f4908080", "f5", "fe", "ff",         // above U+10FFFF, never-valid bytes
            "ce", "e0a0", "f09080",               // truncated at the end of the message
            "cebae1bdb9cf83cebcceb5eda080656469746564", // Autobahn 6.3.1
    })
    void invalidSequencesFailWith1007(String hex) throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, TEXT, hex(hex));
            assertThat(ws.read().closeCode()).isEqualTo(1007);
            assertThat(ws.closedByServer()).isTrue();
        }
    }

    @Test
    void aCharacterSplitAcrossFragmentsIsValid() throws Exception {
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, TEXT, new byte[] {smile[0]})
                    .send(false, CONT, new byte[] {smile[1], smile[2]})
                    .send(true, CONT, new byte[] {smile[3]});
            assertThat(ws.read().text()).isEqualTo("😀");
        }
    }

    @Test
    void everyCharacterOfAMessageInItsOwnFragment() throws Exception {
        byte[] text = "κόσμε ✓ 😀".getBytes(StandardCharsets.UTF_8);
        try (RawWebSocket ws = server.raw("/ws")) {
            for (int i = 0; i < text.length; i++) {
                ws.send(i == text.length - 1, i == 0 ? TEXT : CONT, new byte[] {text[i]});
            }
            assertThat(ws.read().text()).isEqualTo("κόσμε ✓ 😀");
        }
    }

    @Test
    void invalidBytesInTheSecondFragmentFailBeforeTheThirdIsSent() throws Exception {
        // Autobahn 6.4.1: fail fast, without waiting for the message to end.
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, TEXT, hex("cebae1bdb9cf83cebcceb5")).send(false, CONT, hex("f4908080"));
            assertThat(ws.read().closeCode()).isEqualTo(1007);
        }
    }

    @Test
    void invalidBytesInTheMiddleOfAFrameFailBeforeTheFrameEnds() throws Exception {
        // Autobahn 6.4.3: one frame sent in chops; the server must fail after the chop with the bad byte.
        byte[] payload = hex("cebae1bdb9cf83cebcceb5 f4908080 656469746564");
        try (RawWebSocket ws = server.raw("/ws")) {
            byte[] frame = ws.frame(true, 0, TEXT, true, payload);
            int headerAndValid = frame.length - payload.length + 11;
            ws.sendRaw(java.util.Arrays.copyOfRange(frame, 0, headerAndValid));
            ws.sendRaw(java.util.Arrays.copyOfRange(frame, headerAndValid, headerAndValid + 4));
            // The rest of the frame is never sent: the close must come anyway.
            assertThat(ws.read().closeCode()).isEqualTo(1007);
        }
    }

    @Test
    void aTruncatedSequenceAtTheEndOfAFragmentedMessageFails() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(false, TEXT, "ok".getBytes(StandardCharsets.UTF_8)).send(true, CONT, hex("e282"));
            assertThat(ws.read().closeCode()).isEqualTo(1007);
        }
    }

    @Test
    void textSplitAcrossTcpReadsByteByByteIsValidated() throws Exception {
        byte[] text = "κόσμε".getBytes(StandardCharsets.UTF_8);
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.sendInPieces(ws.frame(true, 0, TEXT, true, text), 1, 1);
            assertThat(ws.read().text()).isEqualTo("κόσμε");
        }
    }

    @Test
    void binaryMessagesAreNotValidated() throws Exception {
        try (RawWebSocket ws = server.raw("/ws")) {
            ws.send(true, RawWebSocket.BINARY, hex("ff fe c0"));
            assertThat(ws.read().payload()).isEqualTo(hex("fffec0"));
        }
    }
}
