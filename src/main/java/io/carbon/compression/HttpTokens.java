package io.carbon.compression;

/** The few pieces of RFC 9110 §5.6 grammar that {@code Accept-Encoding} and {@code Content-Type} need. */
final class HttpTokens {

    private HttpTokens() {
    }

    /** tchar, RFC 9110 §5.6.2: any visible US-ASCII character except delimiters. */
    static boolean isTchar(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    /** token = 1*tchar, over {@code s[from, to)}. */
    static boolean isToken(CharSequence s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The first index in {@code [from, to)} that is not OWS (SP or HTAB, RFC 9110 §5.6.3), or {@code to}. */
    static int skipOws(CharSequence s, int from, int to) {
        int i = from;
        while (i < to && isOws(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The end of {@code s[from, to)} without its trailing OWS. */
    static int trimOwsEnd(CharSequence s, int from, int to) {
        int i = to;
        while (i > from && isOws(s.charAt(i - 1))) {
            i--;
        }
        return i;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
