package io.carbon.config;

import io.netty.util.NetUtil;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The value types of Carbon's keys. Each error detail says what was expected and what was found. */
final class ValueTypes {

    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");
    /** RFC 9110 §8.3.1 token characters for type and subtype; a subtype may be {@code *} or {@code *+suffix}. */
    private static final Pattern MEDIA_TYPE_PATTERN = Pattern.compile(
            "[a-z0-9!#$&^_.+-]+/(\\*|\\*\\+[a-z0-9!#$&^_.-]+|[a-z0-9!#$&^_.+-]+)");
    private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");
    // RFC 1123 host name; '_' is tolerated because it occurs in container and internal DNS names.
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
                    + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");

    /** An endpoint path without its trailing '/': segments of RFC 3986 unreserved characters. */
    private static final Pattern ENDPOINT_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    /** scheme://host[:port]: a DNS name, IPv4 address or bracketed IPv6 address. */
    private static final Pattern ORIGIN = Pattern.compile(
            "(https?)://([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?");
    /** RFC 9110 §5.6.2 token. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    private ValueTypes() {
    }

    static ValueType<Boolean> bool() {
        return new ValueType<>() {
            @Override
            public Boolean parse(String raw) throws InvalidValueException {
                return switch (raw.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on", "1" -> true;
                    case "false", "no", "off", "0" -> false;
                    default -> throw new InvalidValueException(
                            "expected a boolean (true/false, yes/no, on/off, 1/0), got " + Quoting.show(raw));
                };
            }

            @Override
            public String format(Boolean value) {
                return value.toString();
            }
        };
    }

    static ValueType<Integer> integer(int min, int max) {
        return new ValueType<>() {
            @Override
            public Integer parse(String raw) throws InvalidValueException {
                if (INTEGER.matcher(raw).matches()) {
                    long n = Long.parseLong(raw);
                    if (n >= min && n <= max) {
                        return (int) n;
                    }
                }
                throw new InvalidValueException(expected() + ", got " + Quoting.show(raw));
            }

            private String expected() {
                return max == Integer.MAX_VALUE
                        ? "expected a whole number of at least " + min
                        : "expected a number from " + min + " to " + max;
            }

            @Override
            public String format(Integer value) {
                return value.toString();
            }
        };
    }

    static ValueType<Long> size(long min, long max) {
        return new ValueType<>() {
            @Override
            public Long parse(String raw) throws InvalidValueException {
                long n = SizeParser.parse(raw);
                if (n >= min && n <= max) {
                    return n;
                }
                throw new InvalidValueException("expected a size from " + SizeParser.format(min) + " to "
                        + SizeParser.format(max) + " (bytes, or with a unit k/KiB, m/MiB, g/GiB, e.g. 16k), got "
                        + Quoting.show(raw));
            }

            @Override
            public String format(Long value) {
                return SizeParser.format(value);
            }
        };
    }

    /** A size that must fit in an int, because the consumer (a Netty codec limit) takes an int. */
    static ValueType<Integer> intSize(int min, int max) {
        ValueType<Long> size = size(min, max);
        return new ValueType<>() {
            @Override
            public Integer parse(String raw) throws InvalidValueException {
                return size.parse(raw).intValue();
            }

            @Override
            public String format(Integer value) {
                return size.format(value.longValue());
            }
        };
    }

    /**
     * A time for a key named {@code *_ms}: a whole number of milliseconds, or a duration with a unit
     * ({@code 2s}) for convenience. Shown as milliseconds.
     */
    static ValueType<Duration> milliseconds(long min, long max) {
        return new ValueType<>() {
            @Override
            public Duration parse(String raw) throws InvalidValueException {
                String value = raw.strip();
                Duration d = null;
                if (value.matches("[0-9]{1,10}")) {
                    d = Duration.ofMillis(Long.parseLong(value));
                } else if (!value.isEmpty() && !Character.isDigit(value.charAt(value.length() - 1))) {
                    d = DurationParser.parse(value);
                }
                if (d != null && d.toMillis() >= min && d.toMillis() <= max) {
                    return d;
                }
                throw new InvalidValueException("expected milliseconds from " + min + " to " + max
                        + " (e.g. 1000, or with a unit: 2s), got " + Quoting.show(raw));
            }

            @Override
            public String format(Duration value) {
                return Long.toString(value.toMillis());
            }
        };
    }

    static ValueType<Duration> duration(Duration min, Duration max) {
        return new ValueType<>() {
            @Override
            public Duration parse(String raw) throws InvalidValueException {
                Duration d = DurationParser.parse(raw);
                if (d != null && d.compareTo(min) >= 0 && d.compareTo(max) <= 0) {
                    return d;
                }
                throw new InvalidValueException("expected a duration from " + DurationParser.format(min) + " to "
                        + DurationParser.format(max) + " (seconds, or with a unit ms/s/m/h, e.g. 65s, 500ms, 2m), got "
                        + Quoting.show(raw));
            }

            @Override
            public String format(Duration value) {
                return DurationParser.format(value);
            }
        };
    }

    /**
     * A value that ends up in a response header. CR, LF and other control characters are refused: written
     * into a header they would let the config split the response (header injection, RFC 9110 section 5.5).
     * The empty string is allowed and means "do not send this header".
     */
    static ValueType<String> headerValue() {
        return new ValueType<>() {
            @Override
            public String parse(String raw) throws InvalidValueException {
                requireNoControlCharacters(raw, "a header value on one line without control characters");
                return raw;
            }

            @Override
            public String format(String value) {
                return value;
            }
        };
    }

    /** Index file names: separated by commas and/or whitespace; plain file names, never paths. */
    static ValueType<List<String>> fileNameList() {
        return new ValueType<>() {
            @Override
            public List<String> parse(String raw) throws InvalidValueException {
                List<String> names = Arrays.stream(LIST_SEPARATOR.split(raw.strip()))
                        .filter(s -> !s.isEmpty())
                        .toList();
                for (String name : names) {
                    requireNoControlCharacters(name, "file names separated by commas or spaces");
                    // A '/' or '..' here would let an index lookup leave the requested directory.
                    if (name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
                        throw new InvalidValueException("expected plain file names separated by commas or spaces"
                                + " (no '/', '.' or '..'), got " + Quoting.show(name));
                    }
                }
                return names;
            }

            @Override
            public String format(List<String> value) {
                return String.join(",", value);
            }
        };
    }

    /**
     * One of the constants of {@code type}, written as its name in lower case; case-insensitive. The error
     * lists every accepted value.
     */
    static <E extends Enum<E>> ValueType<E> oneOf(Class<E> type) {
        E[] constants = type.getEnumConstants();
        List<String> names = Arrays.stream(constants).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        return new ValueType<>() {
            @Override
            public E parse(String raw) throws InvalidValueException {
                int i = names.indexOf(raw.toLowerCase(Locale.ROOT));
                if (i < 0) {
                    throw new InvalidValueException("expected one of " + String.join(", ", names)
                            + ", got " + Quoting.show(raw));
                }
                return constants[i];
            }

            @Override
            public String format(E value) {
                return names.get(value.ordinal());
            }
        };
    }

    /**
     * Distinct names from {@code allowed}, separated by commas and/or whitespace, order kept (it is a
     * preference order); case-insensitive, returned in lower case. May be empty.
     */
    static ValueType<List<String>> choiceList(List<String> allowed) {
        return new ValueType<>() {
            @Override
            public List<String> parse(String raw) throws InvalidValueException {
                List<String> names = new ArrayList<>();
                for (String item : LIST_SEPARATOR.split(raw.strip())) {
                    String name = item.toLowerCase(Locale.ROOT);
                    if (name.isEmpty()) {
                        continue;
                    }
                    if (!allowed.contains(name)) {
                        throw new InvalidValueException("expected a list of " + String.join(", ", allowed)
                                + ", got " + Quoting.show(item));
                    }
                    if (names.contains(name)) {
                        throw new InvalidValueException(Quoting.show(item) + " is listed twice");
                    }
                    names.add(name);
                }
                return List.copyOf(names);
            }

            @Override
            public String format(List<String> value) {
                return String.join(",", value);
            }
        };
    }

    /**
     * Media-type patterns separated by commas and/or whitespace: {@code type/subtype}, {@code type/*} or
     * {@code type/*+suffix}; case-insensitive, returned in lower case.
     */
    static ValueType<List<String>> mediaTypePatterns() {
        return new ValueType<>() {
            @Override
            public List<String> parse(String raw) throws InvalidValueException {
                List<String> patterns = new ArrayList<>();
                for (String item : LIST_SEPARATOR.split(raw.strip())) {
                    String pattern = item.toLowerCase(Locale.ROOT);
                    if (pattern.isEmpty()) {
                        continue;
                    }
                    if (!MEDIA_TYPE_PATTERN.matcher(pattern).matches()) {
                        throw new InvalidValueException("expected media types like text/*, application/json or"
                                + " application/*+json, got " + Quoting.show(item));
                    }
                    patterns.add(pattern);
                }
                return List.copyOf(patterns);
            }

            @Override
            public String format(List<String> value) {
                return String.join(",", value);
            }
        };
    }

    /**
     * The path of an endpoint, matched against the raw (still percent-encoded) request path: so only characters
     * that never need encoding are allowed (RFC 3986 unreserved and '/'), no empty, '.' or '..' segments, and
     * never '/' alone (an endpoint there would hide the whole site). With {@code prefix} the value names a
     * directory of endpoints and is kept with a trailing '/', added when missing.
     */
    static ValueType<String> endpointPath(boolean prefix) {
        return new ValueType<>() {
            @Override
            public String parse(String raw) throws InvalidValueException {
                String path = prefix && !raw.endsWith("/") ? raw + "/" : raw;
                String body = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
                boolean valid = ENDPOINT_PATH.matcher(body).matches();
                if (valid) {
                    for (String segment : body.substring(1).split("/", -1)) {
                        if (segment.equals(".") || segment.equals("..")) {
                            valid = false;
                        }
                    }
                }
                if (!valid) {
                    throw new InvalidValueException("expected a path like " + (prefix ? "/ws/channels/" : "/ws")
                            + " (starting with '/', not '/' alone, made of letters, digits and - . _ ~ /,"
                            + " without empty, '.' or '..' segments), got " + Quoting.show(raw));
                }
                return path;
            }

            @Override
            public String format(String value) {
                return value;
            }
        };
    }

    /**
     * Web origins (RFC 6454) separated by commas and/or whitespace: {@code scheme://host[:port]} with scheme
     * http or https, as browsers send them in {@code Origin}. Returned in lower case, with the scheme's default
     * port dropped (browsers never send it), so a plain string comparison matches. May be empty.
     */
    static ValueType<List<String>> originList() {
        return new ValueType<>() {
            @Override
            public List<String> parse(String raw) throws InvalidValueException {
                List<String> origins = new ArrayList<>();
                for (String item : LIST_SEPARATOR.split(raw.strip())) {
                    if (item.isEmpty()) {
                        continue;
                    }
                    java.util.regex.Matcher m = ORIGIN.matcher(item.toLowerCase(Locale.ROOT));
                    if (!m.matches() || (m.group(3) != null && Integer.parseInt(m.group(3).substring(1)) > 65535)) {
                        throw new InvalidValueException("expected origins like https://example.com or"
                                + " http://localhost:8080 (scheme://host[:port], no path), got " + Quoting.show(item));
                    }
                    String scheme = m.group(1);
                    String port = m.group(3);
                    boolean defaultPort = port != null
                            && ((scheme.equals("http") && port.equals(":80")) || (scheme.equals("https") && port.equals(":443")));
                    String origin = scheme + "://" + m.group(2) + (port == null || defaultPort ? "" : port);
                    if (!origins.contains(origin)) {
                        origins.add(origin);
                    }
                }
                return List.copyOf(origins);
            }

            @Override
            public String format(List<String> value) {
                return String.join(",", value);
            }
        };
    }

    /**
     * Distinct tokens (RFC 9110 §5.6.2) separated by commas and/or whitespace, order and case kept (WebSocket
     * subprotocol names are compared exactly). May be empty.
     */
    static ValueType<List<String>> tokenList() {
        return new ValueType<>() {
            @Override
            public List<String> parse(String raw) throws InvalidValueException {
                List<String> tokens = new ArrayList<>();
                for (String item : LIST_SEPARATOR.split(raw.strip())) {
                    if (item.isEmpty()) {
                        continue;
                    }
                    if (!TOKEN.matcher(item).matches()) {
                        throw new InvalidValueException("expected names made of letters, digits and"
                                + " !#$%&'*+-.^_`|~ separated by commas, got " + Quoting.show(item));
                    }
                    if (tokens.contains(item)) {
                        throw new InvalidValueException(Quoting.show(item) + " is listed twice");
                    }
                    tokens.add(item);
                }
                return List.copyOf(tokens);
            }

            @Override
            public String format(List<String> value) {
                return String.join(",", value);
            }
        };
    }

    /** IP addresses and CIDR blocks ({@code 10.0.0.0/8, ::1}), separated by commas and/or spaces. May be empty. */
    static ValueType<List<Cidr>> cidrList() {
        return new ValueType<>() {
            @Override
            public List<Cidr> parse(String raw) throws InvalidValueException {
                List<Cidr> blocks = new ArrayList<>();
                for (String item : LIST_SEPARATOR.split(raw.strip())) {
                    if (item.isEmpty()) {
                        continue;
                    }
                    try {
                        blocks.add(Cidr.parse(item));
                    } catch (IllegalArgumentException e) {
                        throw new InvalidValueException("expected IP addresses or CIDR blocks like 10.0.0.0/8 or"
                                + " 2001:db8::/32, got " + Quoting.show(item) + " (" + e.getMessage() + ")");
                    }
                }
                return List.copyOf(blocks);
            }

            @Override
            public String format(List<Cidr> value) {
                return String.join(",", value.stream().map(Cidr::toString).toList());
            }
        };
    }

    /** A path, resolved against the working directory and normalized. */
    static ValueType<Path> path() {
        return new ValueType<>() {
            @Override
            public Path parse(String raw) throws InvalidValueException {
                if (raw.isEmpty()) {
                    throw new InvalidValueException("expected a path, got an empty value");
                }
                return resolve(raw);
            }

            @Override
            public String format(Path value) {
                return value.toString();
            }
        };
    }

    /** A path that can be switched off with {@code off} or an empty value (parsed as null). */
    static ValueType<Path> optionalPath() {
        return new ValueType<>() {
            @Override
            public Path parse(String raw) throws InvalidValueException {
                if (raw.isEmpty() || raw.equalsIgnoreCase("off")) {
                    return null;
                }
                return resolve(raw);
            }

            @Override
            public String format(Path value) {
                return value == null ? "off" : value.toString();
            }
        };
    }

    /** A path that must be an existing directory now: serving from a missing root would only ever answer 404. */
    static ValueType<Path> existingDirectory() {
        ValueType<Path> path = path();
        return new ValueType<>() {
            @Override
            public Path parse(String raw) throws InvalidValueException {
                Path dir = path.parse(raw);
                if (!Files.exists(dir)) {
                    throw new InvalidValueException(dir + " does not exist, expected an existing directory");
                }
                if (!Files.isDirectory(dir)) {
                    throw new InvalidValueException(dir + " is not a directory, expected an existing directory");
                }
                return dir;
            }

            @Override
            public String format(Path value) {
                return value.toString();
            }
        };
    }

    /**
     * The address or name to bind: IPv4, IPv6 (brackets are stripped) or a host name. Only the syntax is
     * checked; resolving a name here would make a config check depend on DNS being up.
     */
    static ValueType<String> bindAddress() {
        return new ValueType<>() {
            @Override
            public String parse(String raw) throws InvalidValueException {
                String host = raw;
                if (host.length() >= 2 && host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                boolean valid;
                if (host.contains(":")) {
                    valid = NetUtil.isValidIpV6Address(host);
                } else if (IPV4_LIKE.matcher(host).matches()) {
                    valid = NetUtil.isValidIpV4Address(host);
                } else {
                    valid = HOST_NAME.matcher(host).matches();
                }
                if (!valid) {
                    throw new InvalidValueException("expected an IPv4 address, an IPv6 address or a host name"
                            + " (e.g. 0.0.0.0, ::, [::1], example.com), got " + Quoting.show(raw));
                }
                return host;
            }

            @Override
            public String format(String value) {
                return value;
            }
        };
    }

    /**
     * An IP address literal, IPv4 or IPv6 (brackets are stripped), never a name: the admin listener's address is
     * checked here rather than resolved when binding, so a typo cannot expose it on an unexpected interface.
     */
    static ValueType<String> ipAddress() {
        return new ValueType<>() {
            @Override
            public String parse(String raw) throws InvalidValueException {
                String host = raw;
                if (host.length() >= 2 && host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
                    throw new InvalidValueException("expected an IPv4 or IPv6 address (e.g. 127.0.0.1, ::1, 0.0.0.0),"
                            + " got " + Quoting.show(raw));
                }
                return host;
            }

            @Override
            public String format(String value) {
                return value;
            }
        };
    }

    private static Path resolve(String raw) throws InvalidValueException {
        try {
            // Relative paths are relative to the working directory, as in the original Carbon; Path.of("")
            // is read at parse time because the JVM's working directory cannot change.
            return Path.of("").toAbsolutePath().resolve(raw).normalize();
        } catch (InvalidPathException e) {
            throw new InvalidValueException("expected a valid path, got " + Quoting.show(raw) + " (" + e.getReason() + ")");
        }
    }

    private static void requireNoControlCharacters(String raw, String expected) throws InvalidValueException {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new InvalidValueException("contains a control character (such as CR or LF), expected "
                        + expected + ", got " + Quoting.show(raw));
            }
        }
    }
}
