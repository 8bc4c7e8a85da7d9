package io.carbon.logging;

import io.carbon.http.ExchangeOutcome;
import io.carbon.http.Request;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * One JSON object per line ({@code access_log_format = json}), fields always in this order:
 * <pre>
 * {"time":"2026-11-21T21:55:48.123Z","remote":"127.0.0.1","method":"GET","target":"/a?b=1","protocol":"HTTP/1.1",
 *  "status":200,"request_bytes":0,"response_bytes":1234,"duration":0.003,"referer":null,"user_agent":"curl/8.5",
 *  "content_encoding":"gzip","cache_hit":true,"tls":"TLSv1.3"}
 * </pre>
 * (one line in the file). {@code time} is when the exchange completed, ISO-8601 in UTC with milliseconds;
 * {@code remote} the client IP without port; {@code target} exactly as received; the byte counts are body
 * bytes received and actually written; {@code duration} is in seconds with millisecond precision (like the
 * combined format's last field); {@code tls} is the TLS version of the connection ({@code null} on plain
 * HTTP); a header or value that is absent is {@code null}. {@code cut} is added
 * only when the exchange ended early: {@code client_gone}, {@code timeout}, {@code write_failed} or
 * {@code tunnel}. Cookies and Authorization are never logged.
 *
 * <p>Strings are escaped as RFC 8259 requires, and further so that the line is printable ASCII: {@code \"},
 * {@code \\}, {@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \f}, other control characters, DEL and
 * everything non-ASCII as {@code \}{@code uXXXX}. Characters 0x80..0xFF are the raw bytes Netty decoded as
 * ISO-8859-1: a run of them that is well-formed UTF-8 is written as the characters it encodes, any other byte
 * as the character of the same number (its ISO-8859-1 reading), so nothing is lost and every line is valid
 * JSON. Fields are truncated like the combined format's.
 */
final class JsonFormat implements AccessLogFormat {

    /** {@code ,"cut":"client_gone"} and so on, by {@link ExchangeOutcome.Cut#ordinal()}; null for NONE. */
    private static final byte[][] CUT_FIELDS = new byte[ExchangeOutcome.Cut.values().length][];

    static {
        for (ExchangeOutcome.Cut cut : ExchangeOutcome.Cut.values()) {
            if (cut != ExchangeOutcome.Cut.NONE) {
                CUT_FIELDS[cut.ordinal()] = (",\"cut\":\"" + cut.name().toLowerCase(Locale.ROOT) + "\"")
                        .getBytes(StandardCharsets.US_ASCII);
            }
        }
    }

    private final SecondCache seconds = new SecondCache(JsonFormat::formatSecond);

    @Override
    public void format(Request request, ExchangeOutcome outcome, long epochMillis, LogLine line) {
        HttpHeaders headers = request.headers();
        String referer = headers == null ? null : headers.get(HttpHeaderNames.REFERER);
        String userAgent = headers == null ? null : headers.get(HttpHeaderNames.USER_AGENT);

        line.appendAscii("{\"time\":\"").appendAscii(seconds.text(epochMillis));
        int millis = (int) Math.floorMod(epochMillis, 1000L);
        if (millis < 100) {
            line.append('0');
        }
        if (millis < 10) {
            line.append('0');
        }
        line.appendDecimal(millis).appendAscii("Z\",\"remote\":");
        appendRemote(line, request.remoteAddress());
        line.appendAscii(",\"method\":");
        appendString(line, request.method() == null ? null : request.method().name());
        line.appendAscii(",\"target\":");
        appendString(line, request.target());
        line.appendAscii(",\"protocol\":");
        appendString(line, AccessLogFormat.protocolText(request));
        line.appendAscii(",\"status\":").appendDecimal(outcome.status())
                .appendAscii(",\"request_bytes\":").appendDecimal(Math.max(0, outcome.requestBodyBytes()))
                .appendAscii(",\"response_bytes\":").appendDecimal(Math.max(0, outcome.responseBodyBytes()))
                .appendAscii(",\"duration\":").appendSeconds(outcome.nanos())
                .appendAscii(",\"referer\":");
        appendString(line, referer);
        line.appendAscii(",\"user_agent\":");
        appendString(line, userAgent);
        line.appendAscii(",\"content_encoding\":");
        appendString(line, outcome.contentEncoding());
        line.appendAscii(outcome.cacheHit() ? ",\"cache_hit\":true" : ",\"cache_hit\":false");
        line.appendAscii(",\"tls\":");
        appendString(line, request.connection() == null ? null : request.connection().tlsProtocol());
        ExchangeOutcome.Cut cut = outcome.cut();
        if (cut != null && cut != ExchangeOutcome.Cut.NONE) {
            line.appendAscii(CUT_FIELDS[cut.ordinal()]);
        }
        line.append('}');
    }

    private static void appendRemote(LogLine line, InetSocketAddress remote) {
        if (remote == null) {
            line.appendAscii("null");
            return;
        }
        InetAddress address = remote.getAddress();
        if (address == null) {
            // An unresolved address has no InetAddress; its host string is still what the peer was known as.
            appendString(line, remote.getHostString());
        } else {
            line.append('"').appendJsonAddress(address).append('"');
        }
    }

    /** A JSON string, or {@code null}. */
    private static void appendString(LogLine line, String value) {
        if (value == null) {
            line.appendAscii("null");
        } else {
            line.append('"').appendJsonEscaped(value, MAX_FIELD_CHARS, TRUNCATED).append('"');
        }
    }

    /** {@code 2026-11-21T21:55:48.}: the milliseconds and the zone follow. */
    static String formatSecond(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(20);
        int year = t.getYear();
        if (year >= 0 && year < 1000) {
            sb.append(year < 10 ? "000" : year < 100 ? "00" : "0");
        }
        sb.append(year).append('-');
        pad2(sb, t.getMonthValue()).append('-');
        pad2(sb, t.getDayOfMonth()).append('T');
        pad2(sb, t.getHour()).append(':');
        pad2(sb, t.getMinute()).append(':');
        pad2(sb, t.getSecond()).append('.');
        return sb.toString();
    }

    private static StringBuilder pad2(StringBuilder sb, int value) {
        if (value < 10) {
            sb.append('0');
        }
        return sb.append(value);
    }
}
