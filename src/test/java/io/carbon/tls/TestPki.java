package io.carbon.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Test certificates made on the fly: a CA, an intermediate, leaves; keys written as PKCS#8, PKCS#1 or SEC1. */
public final class TestPki {

    /** A certificate and its key pair. */
    public record Issued(KeyPair keys, X509Certificate cert) {
        public PrivateKey key() {
            return keys.getPrivate();
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPki() {
    }

    public static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    public static KeyPair ec() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    public static Issued ca(String name) throws Exception {
        KeyPair keys = ec();
        return new Issued(keys, issue("CN=" + name, keys, "CN=" + name, keys.getPrivate(), now().minus(Duration.ofDays(1)),
                now().plus(Duration.ofDays(3650)), true));
    }

    public static Issued intermediate(Issued ca, String name) throws Exception {
        KeyPair keys = ec();
        return new Issued(keys, issue("CN=" + name, keys, ca.cert().getSubjectX500Principal().getName(), ca.key(),
                now().minus(Duration.ofDays(1)), now().plus(Duration.ofDays(1000)), true));
    }

    public static Issued leaf(Issued issuer, KeyPair keys, Instant notBefore, Instant notAfter) throws Exception {
        return new Issued(keys, issue("CN=localhost", keys, issuer.cert().getSubjectX500Principal().getName(),
                issuer.key(), notBefore, notAfter, false));
    }

    public static Issued leaf(Issued issuer, KeyPair keys) throws Exception {
        return leaf(issuer, keys, now().minus(Duration.ofDays(1)), now().plus(Duration.ofDays(90)));
    }

    /** A leaf whose Authority Information Access names {@code ocspUrl} as its OCSP responder. */
    public static Issued leafWithOcsp(Issued issuer, KeyPair keys, String ocspUrl) throws Exception {
        return new Issued(keys, issue("CN=localhost", keys, issuer.cert().getSubjectX500Principal().getName(),
                issuer.key(), now().minus(Duration.ofDays(1)), now().plus(Duration.ofDays(90)), false, ocspUrl));
    }

    private static X509Certificate issue(String subject, KeyPair subjectKeys, String issuer, PrivateKey issuerKey,
                                         Instant notBefore, Instant notAfter, boolean ca) throws Exception {
        return issue(subject, subjectKeys, issuer, issuerKey, notBefore, notAfter, ca, null);
    }

    private static X509Certificate issue(String subject, KeyPair subjectKeys, String issuer, PrivateKey issuerKey,
                                         Instant notBefore, Instant notAfter, boolean ca, String ocspUrl)
            throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter),
                new X500Name(subject), subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (!ca) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        }
        if (ocspUrl != null) {
            builder.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                    AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, ocspUrl)));
        }
        String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder(algorithm).build(issuerKey)));
    }

    public static Instant now() {
        return Instant.now();
    }

    public static Path writeCerts(Path file, X509Certificate... chain) throws Exception {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            for (X509Certificate certificate : chain) {
                writer.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
            }
        }
        return write(file, text.toString());
    }

    /** {@code BEGIN PRIVATE KEY}. */
    public static Path writePkcs8(Path file, PrivateKey key) throws Exception {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        }
        return write(file, text.toString());
    }

    /** {@code BEGIN RSA PRIVATE KEY} (PKCS#1) for RSA, {@code BEGIN EC PRIVATE KEY} (SEC1) for EC. */
    public static Path writeTraditional(Path file, PrivateKey key) throws Exception {
        StringWriter text = new StringWriter();
        if (key.getAlgorithm().equals("EC")) {
            // As OpenSSL writes it: the curve inside the ECPrivateKey (RFC 5915 §3); BouncyCastle's writer drops
            // it for JDK keys, whose PKCS#8 keeps the curve only in the algorithm identifier.
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
            ECPrivateKey sec1 = new ECPrivateKey(256, inner.getKey(), inner.getPublicKey(),
                    info.getPrivateKeyAlgorithm().getParameters());
            try (PemWriter writer = new PemWriter(text)) {
                writer.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            }
        } else {
            try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
                writer.writeObject(key);
            }
        }
        return write(file, text.toString());
    }

    /** OpenSSL's legacy encrypted PEM ({@code Proc-Type: 4,ENCRYPTED}). */
    public static Path writeEncrypted(Path file, PrivateKey key) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(key, new JcePEMEncryptorBuilder("AES-128-CBC")
                    .setProvider(new BouncyCastleProvider()).build("secret".toCharArray()));
        }
        return write(file, text.toString());
    }

    public static Path write(Path file, String text) throws Exception {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        return file;
    }

    /** A client context trusting only {@code anchor}. */
    public static SSLContext clientTrusting(X509Certificate anchor) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("anchor", anchor);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

}
