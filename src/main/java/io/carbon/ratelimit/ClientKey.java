package io.carbon.ratelimit;

/**
 * What a client's budget is kept under: its IPv4 address, or its IPv6 address cut to a prefix (by default
 * /64, the block one subscriber gets: counting single IPv6 addresses would let a client rotate through
 * 2^64 of them). An IPv4-mapped IPv6 address counts as the IPv4 address.
 *
 * @param high the first 64 bits (IPv6), or -1 for IPv4
 * @param low  the last 64 bits (IPv6, masked), or the IPv4 address
 */
record ClientKey(long high, long low) {

    /** @param bytes an address's 4 or 16 bytes */
    static ClientKey of(byte[] bytes, int ipv6Prefix) {
        if (bytes.length == 4) {
            return new ClientKey(-1, ipv4(bytes, 0));
        }
        long high = long64(bytes, 0);
        long low = long64(bytes, 8);
        if (high == 0 && (low >>> 32) == 0xffffL) {
            return new ClientKey(-1, low & 0xffffffffL); // ::ffff:a.b.c.d from a dual-stack socket
        }
        if (ipv6Prefix <= 64) {
            high &= ipv6Prefix == 0 ? 0 : -1L << (64 - ipv6Prefix);
            low = 0;
        } else if (ipv6Prefix < 128) {
            low &= -1L << (128 - ipv6Prefix);
        }
        return new ClientKey(high, low);
    }

    private static long ipv4(byte[] bytes, int from) {
        return ((bytes[from] & 0xffL) << 24) | ((bytes[from + 1] & 0xffL) << 16) | ((bytes[from + 2] & 0xffL) << 8)
                | (bytes[from + 3] & 0xffL);
    }

    private static long long64(byte[] bytes, int from) {
        long value = 0;
        for (int i = from; i < from + 8; i++) {
            value = (value << 8) | (bytes[i] & 0xffL);
        }
        return value;
    }
}
