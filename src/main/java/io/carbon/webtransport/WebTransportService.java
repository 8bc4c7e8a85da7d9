package io.carbon.webtransport;

import io.carbon.channels.ChannelHub;
import io.carbon.config.WebSocketConfig;
import io.carbon.http.BodyPolicy;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.http.Route;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Carbon's WebTransport feature (draft-ietf-webtrans-http3): the WebTransport face of the WebSocket endpoints.
 * An extended CONNECT with {@code :protocol = webtransport} on {@code websocket_echo_path} opens an
 * {@link EchoSession}, on a channel path a {@link ChannelSession} in the same hub as WebSocket and SSE members;
 * other paths get 404, an origin outside {@code websocket_allowed_origins} 403. The branch
 * (HTTP/3) owns the framing; this package sees sessions, byte pipelines and datagrams only.
 */
public final class WebTransportService {

    static final String PROTOCOL = "webtransport";

    private final WebSocketConfig config;
    private final ChannelHub hub;
    private final LongAdder droppedDatagrams;

    /**
     * @param hub              the channels WebSocket and SSE members are in too
     * @param droppedDatagrams counts channel datagrams a congested member missed (kept across reloads)
     */
    public WebTransportService(WebSocketConfig config, ChannelHub hub, LongAdder droppedDatagrams) {
        this.config = config;
        this.hub = hub;
        this.droppedDatagrams = droppedDatagrams;
    }

    /** The route: extended CONNECTs for WebTransport on the WebSocket paths, before the WebSocket route. */
    public Route route() {
        HttpHandler handler = this::handle;
        // Every path: an extended CONNECT for WebTransport elsewhere gets this route's 404, with a reason.
        return new Route("webtransport", path -> true, handler,
                List.of(HttpMethod.CONNECT), request -> BodyPolicy.DISCARD, PROTOCOL);
    }

    private CompletableFuture<Response> handle(Request request) {
        if (!originAllowed(request)) {
            return CompletableFuture.completedFuture(Response.text(HttpResponseStatus.FORBIDDEN,
                    "this origin may not open WebTransport sessions here (websocket_allowed_origins)\n"));
        }
        String path = request.rawPath();
        if (path.equals(config.echoPath())) {
            return accepted(new EchoSession(config.maxMessageSize()));
        }
        String name = path.startsWith(config.channelsPath()) ? path.substring(config.channelsPath().length()) : null;
        if (name != null && ChannelHub.isValidName(name)) {
            ChannelHub.Refusal refusal = hub.wouldRefuse(name);
            if (refusal != null) {
                Response busy = Response.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "cannot join channel " + name + ": " + refusal + "\n");
                busy.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
                return CompletableFuture.completedFuture(busy);
            }
            return accepted(new ChannelSession(hub, name, config.maxMessageSize(), config.queueSize(),
                    droppedDatagrams::increment));
        }
        return CompletableFuture.completedFuture(Response.text(HttpResponseStatus.NOT_FOUND,
                "no WebTransport endpoint here: the echo is at " + config.echoPath() + ", channels at "
                        + config.channelsPath() + "<name> (1-64 of A-Z a-z 0-9 . _ -)\n"));
    }

    private static CompletableFuture<Response> accepted(io.carbon.http.Session session) {
        return CompletableFuture.completedFuture(Response.of(HttpResponseStatus.OK).session(session));
    }

    /**
     * {@code websocket_allowed_origins} applies as for WebSocket: a browser always sends {@code Origin} with a
     * WebTransport CONNECT; a request without one is not from a page and is allowed.
     */
    private boolean originAllowed(Request request) {
        List<String> allowed = config.allowedOrigins();
        if (allowed.isEmpty()) {
            return true;
        }
        List<String> origins = request.headers().getAll(HttpHeaderNames.ORIGIN);
        if (origins.isEmpty()) {
            return true;
        }
        String origin = origins.get(0).strip().toLowerCase(Locale.ROOT);
        if (origin.startsWith("https://") && origin.endsWith(":443")) {
            origin = origin.substring(0, origin.length() - 4);
        }
        return origins.size() == 1 && allowed.contains(origin);
    }
}
