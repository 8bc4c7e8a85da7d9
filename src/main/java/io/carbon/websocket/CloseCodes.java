package io.carbon.websocket;

/** Close status codes (RFC 6455 §7.4) as Carbon sends and checks them. */
final class CloseCodes {

    static final int NORMAL = 1000;
    static final int GOING_AWAY = 1001;
    static final int PROTOCOL_ERROR = 1002;
    static final int INVALID_PAYLOAD = 1007;
    static final int POLICY_VIOLATION = 1008;
    static final int MESSAGE_TOO_BIG = 1009;
    static final int INTERNAL_ERROR = 1011;
    static final int TRY_AGAIN_LATER = 1013;

    /** The longest reason that fits a control frame: 125 bytes minus the two-byte code (RFC 6455 §5.5). */
    static final int MAX_REASON_BYTES = 123;

    private CloseCodes() {
    }

    /**
     * Whether a peer may send {@code code} in a Close frame (RFC 6455 §7.4.1 and §7.4.2, and the IANA registry
     * that added 1012–1014). 1004 is reserved, 1005, 1006 and 1015 must never be put on the wire, the rest below
     * 3000 is unassigned, and nothing is defined above 4999.
     */
    static boolean validOnTheWire(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }
}
