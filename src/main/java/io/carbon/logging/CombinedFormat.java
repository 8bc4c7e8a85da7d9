package io.carbon.logging;

import io.carbon.http.ExchangeOutcome;
import io.carbon.http.Request;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Combined Log Format plus the time taken ({@code access_log_format = combined}, the default):
 * <pre>
 * 127.0.0.1 - - [21/Nov/2026:21:55:48 +0000] "GET /index.html?x=1 HTTP/1.1" 200 1234 "referer" "user agent" 0.003
 * </pre>
 * <ul>
 *   <li>the client IP without port ({@link InetAddress#getHostAddress()}, so IPv6 is written uncompressed);</li>
 *   <li>identity and user are always {@code -} (Carbon does no authentication; the Authorization header and
 *       cookies are never part of the line);</li>
 *   <li>the time is when the exchange completed, like nginx's {@code $time_local}, always in UTC;</li>
 *   <li>the request line is method, target exactly as received, and protocol;</li>
 *   <li>the body size follows Apache's {@code %b}: body bytes actually written, {@code -} when none;</li>
 *   <li>Referer and User-Agent, {@code -} when absent or empty;</li>
 *   <li>the time taken in seconds with millisecond precision, like nginx's {@code $request_time}.</li>
 * </ul>
 * Quoted fields escape {@code "}, {@code \}, control characters and every non-ASCII byte as {@code \xHH}
 * (as nginx does), so a client cannot forge a line or a field; characters 0x80..0xFF are taken as the raw
 * bytes Netty decoded as ISO-8859-1, characters beyond that as the escapes of their UTF-8 bytes. A field longer
 * than {@value AccessLogFormat#MAX_FIELD_CHARS} characters is cut and ends in {@value AccessLogFormat#TRUNCATED}.
 * The request body size, content coding, cache hit and cut of {@link ExchangeOutcome} are not part of this
 * format (see {@link JsonFormat}).
 */
final class CombinedFormat implements AccessLogFormat {

    private static final String[] MONTHS =
            {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private final SecondCache seconds = new SecondCache(CombinedFormat::formatSecond);

    @Override
    public void format(Request request, ExchangeOutcome outcome, long epochMillis, LogLine line) {
        HttpHeaders headers = request.headers();
        String referer = headers == null ? null : headers.get(HttpHeaderNames.REFERER);
        String userAgent = headers == null ? null : headers.get(HttpHeaderNames.USER_AGENT);
        String target = request.target();
        String protocol = AccessLogFormat.protocolText(request);
        long bodyBytes = outcome.responseBodyBytes();

        appendRemote(line, request.remoteAddress());
        line.appendAscii(" - - [").appendAscii(seconds.text(epochMillis)).appendAscii("] \"");
        appendEscaped(line, request.method() == null ? "-" : request.method().name());
        line.append(' ');
        appendEscaped(line, target == null ? "-" : target);
        line.append(' ');
        appendEscaped(line, protocol == null ? "-" : protocol);
        line.appendAscii("\" ").appendDecimal(outcome.status()).append(' ');
        // Apache's %b: "-" rather than 0 when no body byte was sent.
        if (bodyBytes > 0) {
            line.appendDecimal(bodyBytes);
        } else {
            line.append('-');
        }
        line.appendAscii(" \"");
        appendOptional(line, referer);
        line.appendAscii("\" \"");
        appendOptional(line, userAgent);
        line.appendAscii("\" ");
        line.appendSeconds(outcome.nanos());
    }

    private static void appendRemote(LogLine line, InetSocketAddress remote) {
        if (remote == null) {
            line.append('-');
            return;
        }
        InetAddress address = remote.getAddress();
        if (address == null) {
            // An unresolved address has no InetAddress; its host string is still what the peer was known as.
            appendEscaped(line, remote.getHostString());
        } else {
            line.appendAddress(address);
        }
    }

    private static void appendOptional(LogLine line, String value) {
        if (value == null || value.isEmpty()) {
            line.append('-');
        } else {
            appendEscaped(line, value);
        }
    }

    private static void appendEscaped(LogLine line, String s) {
        line.appendEscaped(s, MAX_FIELD_CHARS, TRUNCATED);
    }

    /** {@code 21/Nov/2026:21:55:48 +0000}. */
    static String formatSecond(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(26);
        pad2(sb, t.getDayOfMonth()).append('/').append(MONTHS[t.getMonthValue() - 1]).append('/')
                .append(t.getYear()).append(':');
        pad2(sb, t.getHour()).append(':');
        pad2(sb, t.getMinute()).append(':');
        pad2(sb, t.getSecond()).append(" +0000");
        return sb.toString();
    }

    private static StringBuilder pad2(StringBuilder sb, int value) {
        if (value < 10) {
            sb.append('0');
        }
        return sb.append(value);
    }
}
