package io.carbon.compression;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A parsed {@code Accept-Encoding} field (RFC 9110 §12.5.3) and the choice among the codings the server can
 * offer for one response. Immutable and thread-safe.
 *
 * <p>The rules, with the choices RFC 9110 leaves to the server:
 * <ul>
 *   <li><b>No field</b> ({@code null}): Carbon sends identity. §12.5.3 says the user agent then has "no
 *       preferences", so any coding would be allowed, but old clients and intermediaries that send no field
 *       often cannot decode; nginx and Apache do the same.</li>
 *   <li><b>Empty field value</b> (or only empty list elements): only identity is acceptable (§12.5.3).</li>
 *   <li>Coding tokens are case-insensitive (§8.4.1); {@code x-gzip} is {@code gzip} (§8.4.1.3). Codings
 *       Carbon cannot produce ({@code deflate}, {@code compress}, anything unknown) are ignored.</li>
 *   <li>Weights (§12.4.2): OWS is tolerated around {@code ;} and {@code =}, the parameter name {@code q} is
 *       case-insensitive, and the qvalue must be {@code 0[.ddd]} or {@code 1[.000]}. An element that does not
 *       follow this grammar (bad qvalue, another parameter, a coding that is not a token) is ignored as a
 *       whole: it makes nothing acceptable and excludes nothing.</li>
 *   <li><b>Duplicates</b>: the first valid element for a coding wins and later ones are ignored
 *       ({@code gzip;q=0, gzip} refuses gzip; {@code gzip} and {@code x-gzip} are the same coding). The first
 *       wins rather than the highest weight so that an explicit refusal is never overridden.</li>
 *   <li>{@code *} gives its weight to every coding not listed explicitly, identity included when identity is
 *       not listed (§12.5.3). A weight of 0 means "not acceptable".</li>
 *   <li>Identity is acceptable unless excluded by {@code identity;q=0}, or by {@code *;q=0} without an
 *       explicit identity element. When neither identity nor {@code *} is listed, identity is acceptable
 *       but has no weight: it is chosen only when no offered coding is acceptable.</li>
 * </ul>
 *
 * <p>The caller adds {@code Vary: Accept-Encoding} to every response whose coding could have differed with
 * this field (RFC 9110 §12.5.5), whatever was selected.
 */
public final class AcceptEncoding {

    /** Weights are kept in thousandths, the qvalue's full precision (§12.4.2), so comparisons are exact. */
    private static final int Q_ONE = 1000;
    private static final int NOT_LISTED = -1;

    private static final AcceptEncoding ABSENT = new AcceptEncoding(false, unlisted(), NOT_LISTED, NOT_LISTED);

    private final boolean present;
    /** Weight of each {@link ContentCoding}, by ordinal; {@link #NOT_LISTED} when it has no element. */
    private final int[] codingWeights;
    private final int identityWeight;
    private final int anyWeight;

    private AcceptEncoding(boolean present, int[] codingWeights, int identityWeight, int anyWeight) {
        this.present = present;
        this.codingWeights = codingWeights;
        this.identityWeight = identityWeight;
        this.anyWeight = anyWeight;
    }

    /**
     * Parses a field value. Never fails: what cannot be parsed is ignored, as described on the class.
     *
     * @param value the field value, several field lines already joined with {@code ", "} (§5.3); {@code null}
     *              when the request had no {@code Accept-Encoding}
     */
    public static AcceptEncoding parse(String value) {
        if (value == null) {
            return ABSENT;
        }
        int[] codingWeights = unlisted();
        int identityWeight = NOT_LISTED;
        int anyWeight = NOT_LISTED;
        int length = value.length();
        int start = 0;
        while (start <= length) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            Element element = Element.parse(value, start, end);
            if (element != null) {
                // First valid element wins (see the class comment): later duplicates are skipped.
                if (element.isAny()) {
                    anyWeight = anyWeight == NOT_LISTED ? element.weight : anyWeight;
                } else if (element.isIdentity()) {
                    identityWeight = identityWeight == NOT_LISTED ? element.weight : identityWeight;
                } else {
                    ContentCoding coding = ContentCoding.fromToken(element.coding);
                    if (coding != null && codingWeights[coding.ordinal()] == NOT_LISTED) {
                        codingWeights[coding.ordinal()] = element.weight;
                    }
                }
            }
            start = end + 1;
        }
        return new AcceptEncoding(true, codingWeights, identityWeight, anyWeight);
    }

    /**
     * Chooses the coding for a response: among the offered codings with a weight above 0, the highest weight,
     * ties going to the earlier one in {@code offered}; identity instead when identity's weight is strictly
     * higher. When nothing offered is acceptable: identity if identity is acceptable, else
     * {@link Selection#notAcceptable()}.
     *
     * @param offered codings available for this response, in the server's order of preference
     */
    public Selection select(List<ContentCoding> offered) {
        Objects.requireNonNull(offered, "offered");
        if (!present) {
            return Selection.IDENTITY;
        }
        ContentCoding best = null;
        int bestWeight = 0;
        for (ContentCoding coding : offered) {
            int weight = weightOf(coding);
            if (weight > bestWeight) { // strictly greater: on a tie the server's earlier preference stays
                best = coding;
                bestWeight = weight;
            }
        }
        int identity = identityWeight != NOT_LISTED ? identityWeight : anyWeight;
        if (best != null) {
            return identity > bestWeight ? Selection.IDENTITY : new Selection(best, false);
        }
        // NOT_LISTED here means neither identity nor * was listed: identity is acceptable by default.
        return identity == 0 ? Selection.NOT_ACCEPTABLE : Selection.IDENTITY;
    }

    /** The weight of a coding in thousandths (0 = not acceptable), after {@code *} is applied. */
    int weightOf(ContentCoding coding) {
        int weight = codingWeights[coding.ordinal()];
        if (weight != NOT_LISTED) {
            return weight;
        }
        return anyWeight != NOT_LISTED ? anyWeight : 0;
    }

    @Override
    public String toString() {
        if (!present) {
            return "AcceptEncoding[absent]";
        }
        StringBuilder text = new StringBuilder("AcceptEncoding[");
        for (ContentCoding coding : ContentCoding.values()) {
            appendWeight(text, coding.token(), codingWeights[coding.ordinal()]);
        }
        appendWeight(text, "identity", identityWeight);
        appendWeight(text, "*", anyWeight);
        if (text.charAt(text.length() - 1) == ' ') {
            text.setLength(text.length() - 2);
        }
        return text.append(']').toString();
    }

    private static void appendWeight(StringBuilder text, String name, int weight) {
        if (weight != NOT_LISTED) {
            text.append(name).append(";q=").append(weight / Q_ONE).append('.')
                    .append(String.format("%03d", weight % Q_ONE)).append(", ");
        }
    }

    private static int[] unlisted() {
        int[] weights = new int[ContentCoding.values().length];
        Arrays.fill(weights, NOT_LISTED);
        return weights;
    }

    /**
     * The outcome of {@link #select}.
     *
     * @param coding        the coding to apply, {@code null} for identity (no {@code Content-Encoding})
     * @param notAcceptable identity is refused ({@code identity;q=0}, or {@code *;q=0} without identity) and
     *                      nothing offered is acceptable: the caller answers 406 (RFC 9110 §15.5.7);
     *                      {@code coding} is then {@code null}
     */
    public record Selection(ContentCoding coding, boolean notAcceptable) {

        /** Send the representation as it is. */
        public static final Selection IDENTITY = new Selection(null, false);
        /** Nothing acceptable can be sent. */
        public static final Selection NOT_ACCEPTABLE = new Selection(null, true);

        public Selection {
            if (coding != null && notAcceptable) {
                throw new IllegalArgumentException("a selected coding is acceptable");
            }
        }

        /** True when the response is sent without a content coding. */
        public boolean isIdentity() {
            return coding == null && !notAcceptable;
        }
    }

    /** One list element: {@code codings [ weight ]}, with its weight in thousandths. */
    private record Element(String coding, int weight) {

        boolean isAny() {
            return coding.equals("*");
        }

        boolean isIdentity() {
            return coding.equalsIgnoreCase("identity");
        }

        /** The element in {@code s[from, to)}, or {@code null} when it is empty or malformed. */
        static Element parse(String s, int from, int to) {
            int start = HttpTokens.skipOws(s, from, to);
            int end = HttpTokens.trimOwsEnd(s, start, to);
            if (start == end) {
                return null; // empty list elements are allowed and mean nothing (RFC 9110 §5.6.1.2)
            }
            int semicolon = s.indexOf(';', start);
            if (semicolon >= end) {
                semicolon = -1;
            }
            int codingEnd = semicolon < 0 ? end : HttpTokens.trimOwsEnd(s, start, semicolon);
            if (!HttpTokens.isToken(s, start, codingEnd)) {
                return null;
            }
            int weight = semicolon < 0 ? Q_ONE : parseWeight(s, semicolon + 1, end);
            return weight < 0 ? null : new Element(s.substring(start, codingEnd), weight);
        }

        /** weight = OWS ";" OWS "q=" qvalue (§12.4.2), from just after the ";"; -1 when malformed. */
        private static int parseWeight(String s, int from, int to) {
            int i = HttpTokens.skipOws(s, from, to);
            if (i >= to || (s.charAt(i) != 'q' && s.charAt(i) != 'Q')) {
                return -1;
            }
            // The grammar has no OWS around "=", but tolerating it costs nothing and some clients send it.
            i = HttpTokens.skipOws(s, i + 1, to);
            if (i >= to || s.charAt(i) != '=') {
                return -1;
            }
            i = HttpTokens.skipOws(s, i + 1, to);
            return parseQvalue(s, i, to);
        }

        /** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 when invalid. */
        static int parseQvalue(String s, int from, int to) {
            int length = to - from;
            if (length < 1) {
                return -1;
            }
            char unit = s.charAt(from);
            if (unit != '0' && unit != '1') {
                return -1;
            }
            if (length == 1) {
                return unit == '1' ? Q_ONE : 0;
            }
            int digits = length - 2;
            if (s.charAt(from + 1) != '.' || digits > 3) {
                return -1;
            }
            int fraction = 0;
            for (int i = 0; i < 3; i++) {
                int digit = 0;
                if (i < digits) {
                    char c = s.charAt(from + 2 + i);
                    if (c < '0' || c > '9') {
                        return -1;
                    }
                    digit = c - '0';
                }
                fraction = fraction * 10 + digit;
            }
            if (unit == '1') {
                return fraction == 0 ? Q_ONE : -1;
            }
            return fraction;
        }
    }
}
