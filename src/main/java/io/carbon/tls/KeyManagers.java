package io.carbon.tls;

import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * The key managers the TLS stacks are built with, from a checked key and chain.
 *
 * <p>Given a bare key and chain, Netty (and its QUIC builder) put them into a key store of the JDK's default type,
 * PKCS#12, whose key entries are sealed with PBKDF2 at 10,000 iterations: in a JVM that has compiled nothing yet
 * that is about a quarter of a second per context, twice at start (TCP and QUIC), for a store that never leaves
 * memory. A JKS store seals its keys with a cheap key protector, and nothing else differs: the key manager reads
 * the key back out once, at {@code init}.
 *
 * <p>Trust is the other half of a context: a server that asks for no client certificate never uses it, but Netty
 * given none builds the JDK's default trust manager, which parses the ~140 certificates of the JDK's cacerts at
 * every context build (about 25 ms in a cold JVM). {@link #trustNobody} is the same machinery with no anchors.
 */
final class KeyManagers {

    private static final String ALIAS = "carbon";
    /** Only seals the entry inside this in-memory store; the key files themselves are unencrypted PEM. */
    private static final char[] STORE_PASSWORD = "in-memory".toCharArray();

    private KeyManagers() {
    }

    /** For Netty's OpenSSL engine: its caching factory encodes the key material for BoringSSL once, not per handshake. */
    static KeyManagerFactory forOpenSsl(PrivateKey key, X509Certificate[] chain) {
        return init(new OpenSslCachingX509KeyManagerFactory(jdkFactory()), key, chain);
    }

    /** For the JDK's engine and for the QUIC codec (which asks its key manager during each handshake itself). */
    static KeyManagerFactory forJdk(PrivateKey key, X509Certificate[] chain) {
        return init(jdkFactory(), key, chain);
    }

    /** Trust managers with no trust anchors: Carbon asks no client for a certificate, so nothing is verified. */
    static TrustManagerFactory trustNobody() {
        try {
            KeyStore empty = KeyStore.getInstance("JKS");
            empty.load(null, null);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(empty);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the JDK cannot make an empty trust store", e);
        }
    }

    private static KeyManagerFactory jdkFactory() {
        try {
            return KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + KeyManagerFactory.getDefaultAlgorithm() + " key manager", e);
        }
    }

    private static KeyManagerFactory init(KeyManagerFactory factory, PrivateKey key, X509Certificate[] chain) {
        try {
            KeyStore store = KeyStore.getInstance("JKS");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, STORE_PASSWORD, chain);
            factory.init(store, STORE_PASSWORD);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("the key store refused the key or chain: " + e.getMessage(), e);
        }
    }
}
