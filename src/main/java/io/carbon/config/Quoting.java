package io.carbon.config;

/** Shows user input in messages and writes values back in server.conf syntax. */
final class Quoting {

    private Quoting() {
    }

    /**
     * The value in double quotes for an error message, with control characters made visible: a message that
     * printed a raw CR or LF would itself be confusing (and could forge log lines).
     */
    static String show(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * The value as server.conf syntax: bare when that reads back unchanged, otherwise double-quoted with
     * {@code \"} and {@code \\} escapes, so {@code --check} output can be pasted into a config file.
     */
    static String forConf(String value) {
        boolean bare = !value.isEmpty();
        for (int i = 0; i < value.length() && bare; i++) {
            char c = value.charAt(i);
            bare = !(Character.isWhitespace(c) || c == '#' || c == '"' || c == '\'' || c == '\\' || c == ';');
        }
        if (bare) {
            return value;
        }
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
