package io.carbon.compression;

import java.util.List;

/** STUB until the compression branch lands. */
public final class AcceptEncoding {
    private final String value;

    private AcceptEncoding(String value) {
        this.value = value;
    }

    public static AcceptEncoding parse(String value) {
        return new AcceptEncoding(value);
    }

    public Selection select(List<ContentCoding> offered) {
        if (value == null) {
            return new Selection(null, false);
        }
        for (ContentCoding c : offered) {
            if (value.contains(c.token())) {
                return new Selection(c, false);
            }
        }
        return new Selection(null, false);
    }

    public record Selection(ContentCoding coding, boolean notAcceptable) { }
}
