package io.carbon.ratelimit;

import io.carbon.config.Cidr;
import io.carbon.http.HttpProtocol;
import io.carbon.http.Request;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Who the client is behind trusted proxies (RFC 7239 Forwarded, X-Forwarded-For), and who may say so. */
class TrustedProxiesTest {

    private static final TrustedProxies PROXIES = new TrustedProxies(List.of(Cidr.parse("10.0.0.0/8"),
            Cidr.parse("2001:db8:ffff::/48")));

    private static String client(String peer, String header, String value) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (!header.equals("-")) {
            headers.add(header, value);
        }
        Request request = Request.of(HttpMethod.GET, "/", headers, HttpProtocol.HTTP_1_1,
                new InetSocketAddress(peer, 50000), false);
        Request resolved = PROXIES.apply(request);
        return resolved.remoteAddress().getAddress().getHostAddress()
                + (resolved.connection().proxy() != null ? " via " + resolved.connection().proxy().getAddress()
                .getHostAddress() : "");
    }

    @ParameterizedTest(name = "from {0}, {1}: {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1    | X-Forwarded-For | 203.0.113.9                          | 203.0.113.9 via 10.0.0.1",
        "10.0.0.1    | X-Forwarded-For | 198.51.100.1, 203.0.113.9            | 203.0.113.9 via 10.0.0.1",
        "10.0.0.1    | X-Forwarded-For | 203.0.113.9, 10.0.0.7                | 203.0.113.9 via 10.0.0.1",
        "10.0.0.1    | X-Forwarded-For | 10.0.0.8, 10.0.0.7                   | 10.0.0.8 via 10.0.0.1",
        "10.0.0.1    | X-Forwarded-For | 203.0.113.9:4711                     | 203.0.113.9 via 10.0.0.1",
        "10.0.0.1    | X-Forwarded-For | not-an-address                       | 10.0.0.1",
        "10.0.0.1    | X-Forwarded-For | ''                                   | 10.0.0.1",
        "10.0.0.1    | -               | -                                    | 10.0.0.1",
        "10.0.0.1    | Forwarded       | for=192.0.2.60;proto=http;by=10.0.0.1 | 192.0.2.60 via 10.0.0.1",
        "10.0.0.1    | Forwarded       | for=\"[2001:db8:cafe::17]:4711\"     | 2001:db8:cafe:0:0:0:0:17 via 10.0.0.1",
        "10.0.0.1    | Forwarded       | for=192.0.2.43, for=198.51.100.17     | 198.51.100.17 via 10.0.0.1",
        "10.0.0.1    | Forwarded       | for=unknown                          | 10.0.0.1",
        "10.0.0.1    | Forwarded       | for=_hidden                          | 10.0.0.1",
        "203.0.113.5 | X-Forwarded-For | 1.2.3.4                              | 203.0.113.5",
        "203.0.113.5 | Forwarded       | for=1.2.3.4                          | 203.0.113.5",
        "2001:db8:ffff::1 | X-Forwarded-For | 2001:db8::5                     | 2001:db8:0:0:0:0:0:5 via 2001:db8:ffff:0:0:0:0:1",
    })
    void theRightmostUntrustedAddressIsTheClientAndOnlyTrustedPeersAreBelieved(String peer, String header,
                                                                            String value, String expected) {
        assertThat(client(peer, header, value)).isEqualTo(expected);
    }
}
