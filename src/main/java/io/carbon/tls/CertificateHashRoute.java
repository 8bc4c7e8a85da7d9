package io.carbon.tls;

import io.carbon.http.Body;
import io.carbon.http.HttpHandler;
import io.carbon.http.Request;
import io.carbon.http.Response;
import io.carbon.http.Route;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /.well-known/carbon/certificate-hash}: the SHA-256 hash of the certificate the TLS port serves now,
 * so a page can open a WebTransport session to a server whose certificate no CA signed:
 * {@code new WebTransport(url, {serverCertificateHashes: [{algorithm: "sha-256", value: bytes}]})}.
 *
 * <pre>{"algorithm":"sha-256","value":"BASE64","hex":"HEX","notAfter":"2026-08-10T12:00:00Z"}</pre>
 *
 * <p>The hash is the W3C WebTransport spec's "compute a certificate hash"
 * (<a href="https://w3c.github.io/webtransport/#compute-a-certificate-hash">§ compute a certificate hash</a>):
 * SHA-256 of the leaf certificate's DER encoding, which the browser compares with the leaf of the handshake.
 * {@code value} is that hash in base64 (decode it to the {@code BufferSource} the option takes), {@code hex} the
 * same bytes as lowercase hex (what {@code openssl x509 -fingerprint -sha256} prints, without colons);
 * {@code notAfter} says when the page must fetch a new one at the latest.
 *
 * <p>Read from {@link ReloadableSslContext#currentLeaf()} on every request, so the answer follows a SIGHUP
 * reload and a renewal by {@link SelfSignedRenewal} at once. {@code Cache-Control: no-store}: a cached hash
 * would pin a certificate that has been replaced.
 *
 * <p>Served on every port, plain HTTP included. Nothing secret is given away: the certificate, and so its hash,
 * is sent in clear to anyone who starts a TLS handshake. What plain HTTP cannot give is integrity: a hash fetched
 * over it is only as trustworthy as the network it crossed (see docs/tls.md). For the same reason the answer
 * carries {@code Access-Control-Allow-Origin: *}: any page may read it, as any client may read the certificate;
 * no cookie or credential is involved.
 */
public final class CertificateHashRoute implements HttpHandler {

    public static final String PATH = "/.well-known/carbon/certificate-hash";

    private final ReloadableSslContext tls;
    /** The last answer and the leaf it was made for: made again only when the certificate changed. */
    private volatile Rendered last;

    private record Rendered(X509Certificate leaf, byte[] json) {
    }

    public CertificateHashRoute(ReloadableSslContext tls) {
        this.tls = tls;
    }

    /** The route for {@link #PATH} (GET and HEAD; the table answers other methods), to go before static files. */
    public static Route route(ReloadableSslContext tls) {
        return Route.of("certificate hash", PATH::equals, new CertificateHashRoute(tls), HttpMethod.GET,
                HttpMethod.HEAD);
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        X509Certificate leaf = tls.currentLeaf();
        Rendered rendered = last;
        if (rendered == null || rendered.leaf() != leaf) {
            rendered = new Rendered(leaf, json(leaf).getBytes(StandardCharsets.UTF_8));
            last = rendered;
        }
        HttpHeaders headers = Response.trustedHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        return CompletableFuture.completedFuture(new Response(HttpResponseStatus.OK, headers,
                Body.of(Unpooled.wrappedBuffer(rendered.json()))));
    }

    /** The JSON answer for {@code leaf}; every value is base64, hex or an ISO-8601 instant, so none needs escaping. */
    static String json(X509Certificate leaf) {
        byte[] hash = sha256(leaf);
        return "{\"algorithm\":\"sha-256\",\"value\":\"" + Base64.getEncoder().encodeToString(hash)
                + "\",\"hex\":\"" + HexFormat.of().formatHex(hash)
                + "\",\"notAfter\":\"" + leaf.getNotAfter().toInstant() + "\"}\n";
    }

    /** SHA-256 of the certificate's DER encoding: the hash {@code serverCertificateHashes} names. */
    public static byte[] sha256(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        } catch (CertificateEncodingException e) {
            // The certificate was parsed from these very bytes when it was loaded.
            throw new IllegalStateException("a loaded certificate has no DER encoding", e);
        }
    }
}
