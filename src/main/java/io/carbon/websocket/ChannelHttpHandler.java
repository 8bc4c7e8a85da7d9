package io.carbon.websocket;

import io.carbon.channels.ChannelHub;
import io.carbon.config.WebSocketConfig;
import io.carbon.http.Body;
import io.carbon.http.ClientBudget;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The plain-HTTP side of the WebSocket paths, for requests that are not a WebSocket handshake:
 * <ul>
 *   <li>a channel path: {@code GET} with {@code Accept: text/event-stream} subscribes to the channel as
 *       Server-Sent Events ({@code Last-Event-ID} replays what was missed); {@code POST} publishes the body (a
 *       text message when it is valid UTF-8, else binary) and answers 204; {@code OPTIONS} lists the methods;
 *       other methods get 405, a GET for anything but an event stream 406;</li>
 *   <li>the echo path: 426 Upgrade Required (it only speaks WebSocket).</li>
 * </ul>
 * Origins are checked as for WebSockets (403), so another site cannot publish with a form post. Thread-safe.
 */
final class ChannelHttpHandler implements HttpHandler {

    private static final String CHANNEL_METHODS = "GET, POST, OPTIONS";
    private static final String ECHO_METHODS = "GET, OPTIONS";
    private static final AsciiString LAST_EVENT_ID = AsciiString.cached("last-event-id");
    private static final AsciiString EVENT_STREAM = AsciiString.cached("text/event-stream");
    private static final AsciiString X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");

    private final EndpointPaths paths;
    private final WebSocketHandshake handshake;
    private final ChannelHub hub;
    private final WebSocketConfig config;
    private final ScheduledExecutorService timers;
    private final ClientBudget messages;

    ChannelHttpHandler(WebSocketConfig config, WebSocketHandshake handshake, ChannelHub hub,
                       ScheduledExecutorService timers, ClientBudget messages) {
        this.paths = new EndpointPaths(config.echoPath(), config.channelsPath());
        this.handshake = handshake;
        this.hub = hub;
        this.config = config;
        this.timers = timers;
        this.messages = messages;
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        return CompletableFuture.completedFuture(answer(request));
    }

    private Response answer(Request request) {
        String path = request.rawPath();
        HttpMethod method = request.method();
        if (paths.isEcho(path)) {
            return echo(method);
        }
        Endpoint endpoint = paths.resolve(path);
        if (!(endpoint instanceof Endpoint.Channel channel)) {
            return Response.text(HttpResponseStatus.NOT_FOUND, paths.notFoundReason(path));
        }
        if (HttpMethod.OPTIONS.equals(method)) {
            return allow(Response.of(HttpResponseStatus.NO_CONTENT), CHANNEL_METHODS);
        }
        if (!HttpMethod.GET.equals(method) && !HttpMethod.POST.equals(method)) {
            return allow(Response.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "a channel takes GET (text/event-stream) and POST\n"), CHANNEL_METHODS);
        }
        if (!handshake.originAllowed(request.headers())) {
            return Response.text(HttpResponseStatus.FORBIDDEN, "this Origin may not use channels here\n");
        }
        return HttpMethod.GET.equals(method) ? subscribe(request, channel.name()) : publish(request, channel.name());
    }

    private static Response echo(HttpMethod method) {
        if (HttpMethod.OPTIONS.equals(method)) {
            return allow(Response.of(HttpResponseStatus.NO_CONTENT), ECHO_METHODS);
        }
        if (!HttpMethod.GET.equals(method)) {
            return allow(Response.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "the echo endpoint only speaks WebSocket\n"), ECHO_METHODS);
        }
        // RFC 9110 §15.5.22: 426 names the protocol to switch to.
        Response response = Response.text(HttpResponseStatus.UPGRADE_REQUIRED,
                "this is a WebSocket echo endpoint: connect with a WebSocket client\n");
        response.headers().set(HttpHeaderNames.UPGRADE, "websocket");
        response.headers().set(WebSocketHandshake.SEC_WEBSOCKET_VERSION, WebSocketHandshake.VERSION);
        return response;
    }

    private Response subscribe(Request request, String name) {
        if (!acceptsEventStream(request.headers())) {
            return Response.text(HttpResponseStatus.NOT_ACCEPTABLE,
                    "a channel answers GET with text/event-stream (send Accept: text/event-stream),"
                            + " or connect with a WebSocket\n");
        }
        SseStream stream = new SseStream(hub, name, config.queueSize(), timers, config.sseHeartbeat().toNanos());
        ChannelHub.Refusal refusal = stream.subscribe(lastEventId(request.headers()));
        if (refusal != null) {
            return unavailable(refusal);
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM);
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        // nginx (and proxies that copy it) would otherwise buffer the stream in front of Carbon.
        headers.set(X_ACCEL_BUFFERING, "no");
        return new Response(HttpResponseStatus.OK, headers, new Body.Stream(stream, -1));
    }

    private Response publish(Request request, String name) {
        InetSocketAddress client = request.remoteAddress();
        if (client != null && client.getAddress() != null && !messages.tryTake(client.getAddress())) {
            Response limited = Response.text(HttpResponseStatus.TOO_MANY_REQUESTS,
                    "too many messages from your address (rate_limit_messages); retry later\n");
            limited.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            return limited;
        }
        int limit = config.sseMaxPublishSize();
        String declared = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        ByteBuffer body = request.body();
        if ((declared != null && tooLong(declared, limit)) || (body != null && body.remaining() > limit)) {
            return Response.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "a published message may have at most " + limit + " bytes\n");
        }
        if (body == null) {
            boolean announced = (declared != null && !declared.strip().equals("0"))
                    || request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
            if (announced) {
                // The branch discarded the body instead of delivering it: nothing honest to publish.
                return Response.text(HttpResponseStatus.NOT_IMPLEMENTED, "the request body was not delivered\n");
            }
            body = ByteBuffer.allocate(0);
        }
        ByteBuf payload = Unpooled.copiedBuffer(body);
        hub.publish(name, null, Utf8Validator.isValid(payload), payload);
        return Response.of(HttpResponseStatus.NO_CONTENT);
    }

    private static boolean tooLong(String declared, int limit) {
        try {
            return Long.parseLong(declared.strip()) > limit;
        } catch (NumberFormatException e) {
            return false; // the branch rejects malformed lengths before a handler sees them
        }
    }

    /** An Accept that names text/event-stream (any case, parameters ignored). A wildcard alone is not enough. */
    private static boolean acceptsEventStream(HttpHeaders headers) {
        for (String line : headers.getAll(HttpHeaderNames.ACCEPT)) {
            for (String range : line.split(",")) {
                int semicolon = range.indexOf(';');
                String type = (semicolon < 0 ? range : range.substring(0, semicolon)).strip();
                if (type.toLowerCase(Locale.ROOT).equals("text/event-stream")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The id an EventSource sends when it reconnects; -1 when absent or not one of ours. */
    private static long lastEventId(HttpHeaders headers) {
        String value = headers.get(LAST_EVENT_ID);
        if (value == null) {
            return -1;
        }
        String id = value.strip();
        if (id.isEmpty() || id.length() > 18) {
            return -1;
        }
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(id);
    }

    /** 503 with Retry-After, saying which bound was reached (shared with the handshake). */
    static Response unavailable(ChannelHub.Refusal refusal) {
        String why = switch (refusal) {
            case TOO_MANY_CHANNELS -> "too many channels (websocket_max_channels)";
            case TOO_MANY_SUBSCRIBERS -> "too many subscribers on this channel (websocket_max_subscribers)";
            case SHUT_DOWN -> "the server is shutting down";
        };
        Response response = Response.text(HttpResponseStatus.SERVICE_UNAVAILABLE, why + "\n");
        response.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
        return response;
    }

    private static Response allow(Response response, String methods) {
        response.headers().set(HttpHeaderNames.ALLOW, methods);
        return response;
    }
}
