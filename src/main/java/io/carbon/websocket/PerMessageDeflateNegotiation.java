package io.carbon.websocket;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Chooses a permessage-deflate offer (RFC 7692 §5, §7.1): the client's offers are alternatives in its order of
 * preference, and the first valid one is accepted. An offer is declined, never failed, when it has an unknown or
 * repeated parameter or an invalid value (§7.1, "MUST decline"). Declining every offer means no compression.
 *
 * <p>Every parameter value the RFC allows can be honoured: any client window inflates with Carbon's 32 KiB one,
 * and a server window of N bits is kept although the JDK's deflater cannot shrink its window, because Carbon
 * compresses each message on its own (server_no_context_takeover) and sends messages longer than 2^N bytes
 * uncompressed (§6 lets a sender leave any message uncompressed): no back-reference can then reach further
 * than 2^N bytes.
 */
final class PerMessageDeflateNegotiation {

    static final String PERMESSAGE_DEFLATE = "permessage-deflate";
    private static final Pattern WINDOW_BITS = Pattern.compile("[89]|1[0-5]"); // §7.1.2: 8-15, no leading zero

    private PerMessageDeflateNegotiation() {
    }

    /** The agreed parameters, or null when no offer is acceptable (or none was made). */
    static DeflateParameters negotiate(List<ExtensionOffers.Offer> offers) {
        for (ExtensionOffers.Offer offer : offers) {
            if (offer.name().equalsIgnoreCase(PERMESSAGE_DEFLATE)) {
                DeflateParameters accepted = accept(offer);
                if (accepted != null) {
                    return accepted;
                }
            }
        }
        return null;
    }

    private static DeflateParameters accept(ExtensionOffers.Offer offer) {
        Set<String> seen = new HashSet<>();
        boolean clientNoContext = false;
        boolean confirmServerWindow = false;
        int serverBits = 15;
        int clientBits = 15;
        for (ExtensionOffers.Param param : offer.params()) {
            String name = param.name().toLowerCase(Locale.ROOT);
            String value = param.value();
            if (!seen.add(name)) {
                return null;
            }
            switch (name) {
                case "server_no_context_takeover" -> {
                    if (value != null) {
                        return null; // §7.1.1.1: no value
                    }
                }
                case "client_no_context_takeover" -> {
                    if (value != null) {
                        return null;
                    }
                    clientNoContext = true;
                }
                case "server_max_window_bits" -> {
                    // §7.1.2.1: a value is required, and the response must repeat it (or a smaller one).
                    if (value == null || !WINDOW_BITS.matcher(value).matches()) {
                        return null;
                    }
                    serverBits = Integer.parseInt(value);
                    confirmServerWindow = true;
                }
                case "client_max_window_bits" -> {
                    // §7.1.2.2: the value is optional; any window inflates with our 32 KiB one.
                    if (value != null) {
                        if (!WINDOW_BITS.matcher(value).matches()) {
                            return null;
                        }
                        clientBits = Integer.parseInt(value);
                    }
                }
                default -> {
                    return null; // an unknown parameter
                }
            }
        }
        return new DeflateParameters(true, clientNoContext, serverBits, clientBits, confirmServerWindow);
    }
}
