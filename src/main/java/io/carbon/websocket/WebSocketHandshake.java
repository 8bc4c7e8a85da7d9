package io.carbon.websocket;

import io.carbon.config.WebSocketConfig;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Validates a WebSocket opening handshake and builds the answer, for an HTTP/1.1 Upgrade (RFC 6455 §4.2.1,
 * §4.2.2) and for an HTTP/2 extended CONNECT (RFC 8441 §4, §5). Every refusal says why in a short text body:
 * 405 for a wrong method, 426 with {@code Sec-WebSocket-Version: 13} for another protocol version (§4.4), 403
 * for an origin that is not allowed (§10.2), 404 for a path that is not an endpoint, 400 for everything else.
 * Header token lists ({@code Upgrade}, {@code Connection}) match case-insensitively, over any number of lines.
 * Capacity (503) is the service's business, not this class's. Stateless and thread-safe.
 */
public final class WebSocketHandshake {

    /** §1.3: the GUID appended to the key before hashing it into Sec-WebSocket-Accept. */
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    static final String VERSION = "13";
    private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");
    static final AsciiString SEC_WEBSOCKET_VERSION = AsciiString.cached("sec-websocket-version");
    private static final AsciiString SEC_WEBSOCKET_KEY = AsciiString.cached("sec-websocket-key");
    private static final AsciiString SEC_WEBSOCKET_ACCEPT = AsciiString.cached("sec-websocket-accept");
    private static final AsciiString SEC_WEBSOCKET_PROTOCOL = AsciiString.cached("sec-websocket-protocol");
    private static final AsciiString SEC_WEBSOCKET_EXTENSIONS = AsciiString.cached("sec-websocket-extensions");

    private final EndpointPaths paths;
    private final List<String> allowedOrigins;
    private final List<String> subprotocols;
    private final boolean permessageDeflate;

    public WebSocketHandshake(WebSocketConfig config) {
        this.paths = new EndpointPaths(config.echoPath(), config.channelsPath());
        this.allowedOrigins = config.allowedOrigins();
        this.subprotocols = config.subprotocols();
        this.permessageDeflate = config.permessageDeflate();
    }

    /** True when the request asks to become a WebSocket ({@code Upgrade} has the token "websocket"). */
    public static boolean isUpgradeRequest(HttpHeaders headers) {
        return hasToken(headers, HttpHeaderNames.UPGRADE, WEBSOCKET);
    }

    /** RFC 6455 §4.2.1: the opening handshake of an HTTP/1.1 request. */
    public HandshakeResult http1(Request request) {
        HttpHeaders headers = request.headers();
        if (!HttpMethod.GET.equals(request.method())) {
            Response response = Response.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "a WebSocket handshake is a GET request\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
            return new HandshakeResult.Rejected(response);
        }
        if (request.protocol() != HttpProtocol.HTTP_1_1) {
            return badRequest("a WebSocket handshake needs HTTP/1.1");
        }
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() != 1 || hosts.get(0).isBlank()) {
            return badRequest("a WebSocket handshake needs exactly one Host header");
        }
        if (!isUpgradeRequest(headers)) {
            return badRequest("missing Upgrade: websocket");
        }
        if (!hasToken(headers, HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)) {
            return badRequest("the Connection header must contain the token upgrade");
        }
        HandshakeResult.Rejected version = checkVersion(headers);
        if (version != null) {
            return version;
        }
        List<String> keys = headers.getAll(SEC_WEBSOCKET_KEY);
        String key = keys.size() == 1 ? keys.get(0).strip() : null;
        if (key == null || !validKey(key)) {
            return badRequest("Sec-WebSocket-Key must be one base64-encoded 16-byte value");
        }
        HttpHeaders response = new DefaultHttpHeaders();
        response.set(HttpHeaderNames.UPGRADE, WEBSOCKET);
        response.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.set(SEC_WEBSOCKET_ACCEPT, acceptValue(key));
        return negotiate(request, HttpResponseStatus.SWITCHING_PROTOCOLS, response);
    }

    /**
     * RFC 8441 §4: an HTTP/2 extended CONNECT. The caller passes the {@code :protocol} pseudo-header and a
     * request whose target is {@code :path} (with {@code :authority} as Host). There is no key and no accept
     * value; a 2xx answer opens the WebSocket (§5).
     */
    public HandshakeResult extendedConnect(Request request, CharSequence protocol) {
        if (!HttpMethod.CONNECT.equals(request.method())) {
            Response response = Response.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "a WebSocket over HTTP/2 is an extended CONNECT (RFC 8441)\n");
            response.headers().set(HttpHeaderNames.ALLOW, "CONNECT");
            return new HandshakeResult.Rejected(response);
        }
        if (protocol == null || !WEBSOCKET.contentEqualsIgnoreCase(protocol)) {
            return badRequest("unsupported :protocol, expected websocket");
        }
        HandshakeResult.Rejected version = checkVersion(request.headers());
        if (version != null) {
            return version;
        }
        return negotiate(request, HttpResponseStatus.OK, new DefaultHttpHeaders());
    }

    /** The endpoint, origin, subprotocol and extension steps both handshakes share. */
    private HandshakeResult negotiate(Request request, HttpResponseStatus status, HttpHeaders response) {
        HttpHeaders headers = request.headers();
        Endpoint endpoint = paths.resolve(request.rawPath());
        if (endpoint == null) {
            return new HandshakeResult.Rejected(Response.text(HttpResponseStatus.NOT_FOUND,
                    paths.notFoundReason(request.rawPath())));
        }
        if (!originAllowed(headers)) {
            return new HandshakeResult.Rejected(Response.text(HttpResponseStatus.FORBIDDEN,
                    "this Origin may not open WebSockets here\n"));
        }
        String subprotocol = selectSubprotocol(headers);
        if (subprotocol != null) {
            response.set(SEC_WEBSOCKET_PROTOCOL, subprotocol);
        }
        DeflateParameters deflate = permessageDeflate
                ? PerMessageDeflateNegotiation.negotiate(ExtensionOffers.parse(headers.getAll(SEC_WEBSOCKET_EXTENSIONS)))
                : null;
        if (deflate != null) {
            response.set(SEC_WEBSOCKET_EXTENSIONS, deflate.responseHeaderValue());
        }
        return new Accepted(endpoint, subprotocol, deflate, status, response);
    }

    /** §4.2.1 item 6 and §4.4: only version 13, else 426 naming it. */
    private static HandshakeResult.Rejected checkVersion(HttpHeaders headers) {
        List<String> versions = headers.getAll(SEC_WEBSOCKET_VERSION);
        if (versions.size() == 1 && versions.get(0).strip().equals(VERSION)) {
            return null;
        }
        Response response = Response.text(HttpResponseStatus.UPGRADE_REQUIRED,
                "this server speaks WebSocket version 13 (Sec-WebSocket-Version: 13)\n");
        response.headers().set(SEC_WEBSOCKET_VERSION, VERSION);
        return new HandshakeResult.Rejected(response);
    }

    /**
     * {@code websocket_allowed_origins} (§10.2 against cross-site WebSocket hijacking). A request without
     * {@code Origin} is not from a browser page and is allowed: the check exists to protect browsers' users.
     */
    boolean originAllowed(HttpHeaders headers) {
        if (allowedOrigins.isEmpty()) {
            return true;
        }
        List<String> origins = headers.getAll(HttpHeaderNames.ORIGIN);
        if (origins.isEmpty()) {
            return true;
        }
        return origins.size() == 1 && allowedOrigins.contains(normalizeOrigin(origins.get(0)));
    }

    private static String normalizeOrigin(String origin) {
        String lower = origin.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") && lower.endsWith(":80")) {
            return lower.substring(0, lower.length() - 3);
        }
        if (lower.startsWith("https://") && lower.endsWith(":443")) {
            return lower.substring(0, lower.length() - 4);
        }
        return lower;
    }

    /** §4.2.2 item 5.4: the first protocol the client lists that Carbon agrees to; none = no header. */
    private String selectSubprotocol(HttpHeaders headers) {
        if (subprotocols.isEmpty()) {
            return null;
        }
        for (String line : headers.getAll(SEC_WEBSOCKET_PROTOCOL)) {
            for (String offered : line.split(",")) {
                String name = offered.strip();
                if (subprotocols.contains(name)) {
                    return name;
                }
            }
        }
        return null;
    }

    /** §4.1: the key is a random 16-byte value, base64-encoded: 24 characters ending in "==". */
    private static boolean validKey(String key) {
        if (key.length() != 24 || !key.endsWith("==")) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** §4.2.2 item 5.4: base64(SHA-1(key + GUID)). */
    static String acceptValue(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    /** True when a comma-separated header (over all its lines) has {@code token}, ignoring case. */
    private static boolean hasToken(HttpHeaders headers, CharSequence name, AsciiString token) {
        for (String line : headers.getAll(name)) {
            for (String element : line.split(",")) {
                if (token.contentEqualsIgnoreCase(element.strip())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static HandshakeResult.Rejected badRequest(String reason) {
        return new HandshakeResult.Rejected(Response.text(HttpResponseStatus.BAD_REQUEST, reason + "\n"));
    }
}
