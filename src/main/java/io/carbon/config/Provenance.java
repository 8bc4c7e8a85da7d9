package io.carbon.config;

import java.util.Map;

/**
 * Where each effective setting of a {@link ServerConfig} came from, kept after loading so that a problem found
 * later (a certificate that cannot be used, at start, at {@code --check} or on SIGHUP) can point at the line to
 * fix, as the config errors do.
 */
public final class Provenance {

    /** Nothing known: a config assembled in code. Every key is described without a place. */
    public static final Provenance UNKNOWN = new Provenance(Map.of(), false);

    /** Origin of each key that was set (file line, environment variable, or {@link Origin#NONE} in code). */
    private final Map<String, Origin> origins;
    /** Whether a key missing from {@link #origins} took its default (false: nothing is known about it). */
    private final boolean unsetMeansDefault;

    private Provenance(Map<String, Origin> origins, boolean unsetMeansDefault) {
        this.origins = Map.copyOf(origins);
        this.unsetMeansDefault = unsetMeansDefault;
    }

    /** @param set the origin of every key that was set; every other key took its default */
    static Provenance of(Map<String, Origin> set) {
        return new Provenance(set, true);
    }

    /**
     * The setting and where it was made, to start a message about its value:
     * {@code server.conf:12: ssl_cert_path = /etc/ssl/cert.pem},
     * {@code environment CARBON_SSL_CERT_PATH: ssl_cert_path = /etc/ssl/cert.pem},
     * {@code default ssl_cert_path = /srv/ssl/cert/cert.pem}, or just {@code key = value} for a setting given in
     * code.
     *
     * @param key   the config key
     * @param value the effective value, as the server uses it (paths are absolute)
     */
    public String describe(String key, Object value) {
        String setting = key + " = " + value;
        Origin origin = origins.get(key);
        if (origin == null) {
            return unsetMeansDefault ? "default " + setting : setting;
        }
        return origin.prefix() + setting;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Provenance p && p.origins.equals(origins) && p.unsetMeansDefault == unsetMeansDefault;
    }

    @Override
    public int hashCode() {
        return origins.hashCode() * 31 + Boolean.hashCode(unsetMeansDefault);
    }

    @Override
    public String toString() {
        return "Provenance" + origins;
    }
}
