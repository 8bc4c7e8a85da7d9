package io.carbon.ratelimit;

import io.carbon.config.Cidr;
import io.carbon.http.Request;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * {@code trusted_proxies}: when a request comes from one of these addresses, the client is the address the
 * proxy names, in {@code Forwarded} (RFC 7239 §5.2, {@code for=}) or else {@code X-Forwarded-For}. Read from
 * the right: each proxy appends the address it received from, so the rightmost address that is not itself a
 * trusted proxy is the client; whatever lies to the left of it was sent by the client and is not believed.
 * From any other peer the headers are ignored, so nobody can choose their own address for the rate limit or
 * the logs. Stateless; thread-safe.
 */
public final class TrustedProxies implements UnaryOperator<Request> {

    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private final List<Cidr> proxies;

    public TrustedProxies(List<Cidr> proxies) {
        this.proxies = List.copyOf(proxies);
    }

    @Override
    public Request apply(Request request) {
        InetSocketAddress peer = request.remoteAddress();
        if (proxies.isEmpty() || peer == null || peer.getAddress() == null || !trusted(peer.getAddress())) {
            return request;
        }
        List<String> chain = chain(request.headers());
        for (int i = chain.size() - 1; i >= 0; i--) {
            InetAddress hop = address(chain.get(i));
            if (hop == null) {
                return request; // "unknown", an obfuscated name, garbage: no better answer than the proxy
            }
            if (!trusted(hop) || i == 0) {
                return request.withConnection(request.connection().forwardedFor(new InetSocketAddress(hop, 0)));
            }
        }
        return request;
    }

    private boolean trusted(InetAddress address) {
        return Cidr.anyContains(proxies, address.getAddress());
    }

    /** The addresses the proxies reported, leftmost (furthest from us) first. */
    static List<String> chain(HttpHeaders headers) {
        List<String> hops = new ArrayList<>();
        List<String> forwarded = headers.getAll(FORWARDED);
        if (!forwarded.isEmpty()) {
            for (String field : forwarded) {
                for (String element : field.split(",")) {
                    for (String pair : element.split(";")) {
                        int equals = pair.indexOf('=');
                        if (equals > 0 && pair.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("for")) {
                            hops.add(pair.substring(equals + 1).trim());
                        }
                    }
                }
            }
            return hops;
        }
        for (String field : headers.getAll(X_FORWARDED_FOR)) {
            for (String hop : field.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.trim());
                }
            }
        }
        return hops;
    }

    /**
     * An IP literal from a {@code for=} value or an X-Forwarded-For entry: quoted or not, IPv6 in brackets,
     * with or without a port; null for anything else (RFC 7239's "unknown" and obfuscated identifiers).
     */
    static InetAddress address(String value) {
        String text = value;
        if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
            text = text.substring(1, text.length() - 1);
        }
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            text = text.substring(1, close);
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') > 0) {
            text = text.substring(0, text.indexOf(':')); // IPv4 with a port
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
