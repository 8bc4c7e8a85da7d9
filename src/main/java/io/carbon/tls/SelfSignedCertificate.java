package io.carbon.tls;

import io.netty.util.NetUtil;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A self-signed certificate for development: generated when both {@code ssl_cert_path} and
 * {@code ssl_key_path} are missing, or by {@code --gen-cert}. Browsers will warn about it; it exists so that
 * {@code use_https = true} works out of the box on a laptop, not for production.
 *
 * <p>With {@code self_signed_for_webtransport} it is instead one a browser accepts without any warning for a
 * WebTransport session whose page names its SHA-256 hash ({@code serverCertificateHashes}). The W3C WebTransport
 * spec's "custom certificate requirements"
 * (<a href="https://w3c.github.io/webtransport/#custom-certificate-requirements">§ custom certificate
 * requirements</a>): "the certificate MUST be an X.509v3 certificate as defined in [RFC5280], the key used in
 * the Subject Public Key field MUST be one of the allowed public key algorithms, the current time MUST be within
 * the validity period of the certificate [...] and the total length of the validity period MUST NOT exceed two
 * weeks"; the allowed algorithms "MUST include ECDSA with the secp256r1 (NIST P-256) named group [...] It MUST NOT
 * contain RSA keys". Every certificate made here is X.509v3 with an EC P-256 key already; the WebTransport one is
 * valid for {@link #WEBTRANSPORT_VALIDITY} (one day under the limit, so a clock a little off on either side does
 * not matter), and {@link SelfSignedRenewal} replaces it before it runs out.
 *
 * <p>Carbon recognises its own certificates ({@link #isOwn}) by their subject's organisation
 * ({@value #ORGANIZATION}) on a certificate that signed itself: only those are ever renewed or replaced.
 */
public final class SelfSignedCertificate {

    /** The CA/Browser Forum maximum lifetime (Baseline Requirements §6.3.2); longer ones are refused by Safari. */
    static final Duration VALIDITY = Duration.ofDays(397);
    /**
     * The lifetime of a certificate for {@code serverCertificateHashes}, notBefore to notAfter; the spec's limit
     * is {@link #WEBTRANSPORT_MAX_VALIDITY}.
     */
    public static final Duration WEBTRANSPORT_VALIDITY = Duration.ofDays(13);
    /** W3C WebTransport, custom certificate requirements: "MUST NOT exceed two weeks". */
    public static final Duration WEBTRANSPORT_MAX_VALIDITY = Duration.ofDays(14);
    /** The subject's O of every certificate Carbon makes: how {@link #isOwn} knows them. */
    public static final String ORGANIZATION = "Carbon development certificate";
    /** Back-dated so a client whose clock is a little behind does not see "not yet valid". */
    static final Duration BACKDATE = Duration.ofHours(1);

    private SelfSignedCertificate() {
    }

    /** Whether neither file exists: the only case in which the server generates a pair on its own. */
    public static boolean bothMissing(Path cert, Path key) {
        return Files.notExists(cert) && Files.notExists(key);
    }

    /**
     * Writes a new EC P-256 key (PKCS#8 PEM, mode 0600) and a self-signed certificate (PEM) for
     * {@code serverName}, {@code localhost}, {@code 127.0.0.1} and {@code ::1}, valid 397 days, creating parent
     * directories and replacing existing files.
     *
     * @param serverName the configured {@code server_name}: a host name or an IP literal; the wildcard
     *                   addresses {@code 0.0.0.0} and {@code ::} are not names and are left out
     * @throws TlsException naming the file that could not be written
     */
    public static void generate(Path certPath, Path keyPath, String serverName) throws TlsException {
        generate(certPath, keyPath, serverName, false);
    }

    /**
     * As {@link #generate(Path, Path, String)}; with {@code forWebTransport} the certificate is valid
     * {@link #WEBTRANSPORT_VALIDITY} instead, so browsers accept it by its hash (see the class comment).
     */
    public static void generate(Path certPath, Path keyPath, String serverName, boolean forWebTransport)
            throws TlsException {
        generate(certPath, keyPath, serverName, validity(forWebTransport), Instant.now().minus(BACKDATE));
    }

    /** The lifetime of a certificate generated with or without {@code self_signed_for_webtransport}. */
    public static Duration validity(boolean forWebTransport) {
        return forWebTransport ? WEBTRANSPORT_VALIDITY : VALIDITY;
    }

    /** With a chosen validity period (tests make certificates that are about to expire). */
    static void generate(Path certPath, Path keyPath, String serverName, Duration validity, Instant notBefore)
            throws TlsException {
        KeyPair pair;
        X509CertificateHolder certificate;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            pair = generator.generateKeyPair();
            certificate = build(pair, serverName, notBefore, validity);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("the JDK cannot make an EC P-256 certificate", e);
        }
        // Key first: a crash in between leaves a key without a certificate, which the next start reports,
        // rather than a certificate whose key is lost.
        write(keyPath, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
        try {
            write(certPath, pem("CERTIFICATE", certificate.getEncoded()), false);
        } catch (IOException e) {
            throw new TlsException(certPath + ": cannot encode the certificate: " + PemFiles.reason(e), e);
        }
    }

    private static X509CertificateHolder build(KeyPair pair, String serverName, Instant notBefore,
                                               Duration validity)
            throws OperatorCreationException, CertIOException, GeneralSecurityException {
        List<String> names = names(serverName);
        String commonName = names.get(0);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName)
                .addRDN(BCStyle.O, ORGANIZATION)
                .build();
        // RFC 5280 §4.1.2.2: positive, at most 20 octets; random so browsers never see two certs with one serial.
        BigInteger serial = new BigInteger(159, new SecureRandom());
        // A v3 builder: serverCertificateHashes accepts X.509v3 only (and the extensions below need v3 anyway).
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, pair.getPublic());

        List<GeneralName> alternatives = new ArrayList<>();
        for (String name : names) {
            boolean ip = NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name);
            alternatives.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name));
        }
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        // Clients match names only against the SAN (RFC 6125 §6.4.4, RFC 9110 §4.3.4), never the CN.
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(alternatives.toArray(new GeneralName[0])));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(pair.getPublic()));
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
    }

    /**
     * Whether Carbon made {@code certificate}: its subject's O is {@value #ORGANIZATION}, and it is self-issued
     * and verifies with its own key. A certificate from a CA, or one an operator made, fails at least one of these,
     * so renewal never replaces a certificate someone provided.
     */
    public static boolean isOwn(X509Certificate certificate) {
        X500Principal subject = certificate.getSubjectX500Principal();
        if (!subject.equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        RDN[] organisations = X500Name.getInstance(subject.getEncoded()).getRDNs(BCStyle.O);
        if (organisations.length != 1 || !ORGANIZATION.equals(
                IETFUtils.valueToString(organisations[0].getFirst().getValue()))) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Whether a browser accepts {@code certificate} by its hash ({@code serverCertificateHashes}, W3C WebTransport
     * custom certificate requirements), time apart: X.509v3, an EC key on secp256r1 (P-256; RSA is not allowed),
     * and notBefore to notAfter at most two weeks. Whether the current time is inside that period is the caller's
     * business.
     */
    public static boolean suitsWebTransport(X509Certificate certificate) {
        if (certificate.getVersion() != 3 || !(certificate.getPublicKey() instanceof ECPublicKey ec)) {
            return false;
        }
        Duration validity = Duration.between(certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant());
        return isP256(ec.getParams()) && validity.compareTo(WEBTRANSPORT_MAX_VALIDITY) <= 0;
    }

    /** secp256r1 by its parameters: the JDK's EC keys do not name their curve. */
    private static boolean isP256(ECParameterSpec params) {
        try {
            AlgorithmParameters p256 = AlgorithmParameters.getInstance("EC");
            p256.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec expected = p256.getParameterSpec(ECParameterSpec.class);
            return expected.getCurve().equals(params.getCurve()) && expected.getGenerator().equals(params.getGenerator())
                    && expected.getOrder().equals(params.getOrder()) && expected.getCofactor() == params.getCofactor();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK does not know secp256r1", e);
        }
    }

    /** serverName (unless empty or a wildcard address), then the loopback names, without duplicates. */
    static List<String> names(String serverName) {
        Set<String> names = new LinkedHashSet<>();
        if (serverName != null) {
            String name = serverName.trim();
            // "[::1]" is how an IPv6 literal appears in a URL; the SAN wants the bare address.
            if (name.startsWith("[") && name.endsWith("]")) {
                name = name.substring(1, name.length() - 1);
            }
            boolean wildcard = name.equals("0.0.0.0") || name.equals("::")
                    || (NetUtil.isValidIpV6Address(name) && isAllZeros(name));
            if (!name.isEmpty() && !wildcard) {
                names.add(name);
            }
        }
        names.add("localhost");
        names.add("127.0.0.1");
        names.add("::1");
        return new ArrayList<>(names);
    }

    private static boolean isAllZeros(String ipv6) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ipv6);
        if (bytes == null) {
            return false;
        }
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] pem(String type, byte[] der) {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM to memory failed", e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Temp file in the same directory, then an atomic rename: a reader (or a crash) never sees half a file, and
     * the key is created with mode 0600 from the start, so it is never readable by others, not even briefly.
     */
    private static void write(Path target, byte[] content, boolean secret) throws TlsException {
        Path file = target.toAbsolutePath();
        Path directory = file.getParent();
        Path temp = null;
        try {
            Files.createDirectories(directory);
            if (secret && directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                temp = Files.createTempFile(directory, "." + file.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                temp = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
                if (!secret && directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    // createTempFile makes 0600; a certificate is public, let the usual tools read it.
                    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            Files.write(temp, content);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The original error is the one worth reporting.
                }
            }
            throw new TlsException(target + ": cannot write the development " + (secret ? "key" : "certificate")
                    + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException denied) {
            return "permission denied on " + denied.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return fs.getReason() + (fs.getFile() != null ? " (" + fs.getFile() + ")" : "");
        }
        return PemFiles.reason(e);
    }
}
