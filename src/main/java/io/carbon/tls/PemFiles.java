package io.carbon.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads PEM certificate chains and private keys into JCA objects, turning every failure into a
 * {@link TlsException} whose message starts with the file's name as the caller gives it (the setting that
 * named the file, see {@link CertificateFiles}).
 *
 * <p>We parse ourselves rather than hand the files to Netty because Netty's PEM reader only understands
 * PKCS#8 keys, while certbot, older OpenSSL and most CAs' tooling write PKCS#1 ({@code RSA PRIVATE KEY}) or
 * SEC1 ({@code EC PRIVATE KEY}); and because its errors do not say which file was wrong.
 */
final class PemFiles {

    private PemFiles() {
    }

    /** Every {@code CERTIFICATE} block of the file, in file order (leaf first, by convention, RFC 8446 §4.4.2). */
    static X509Certificate[] readChain(Path file, String name) throws TlsException {
        String text = readText(file, name);
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        int block = 0;
        try (PemReader reader = new PemReader(new StringReader(text))) {
            for (PemObject pem = reader.readPemObject(); pem != null; pem = reader.readPemObject()) {
                block++;
                // A combined file (key + chain) is common; other blocks are not ours to complain about.
                if (!"CERTIFICATE".equals(pem.getType())) {
                    continue;
                }
                try {
                    chain.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(pem.getContent())));
                } catch (CertificateException e) {
                    throw new TlsException(name + ": PEM block " + block
                            + " (CERTIFICATE) is not a valid X.509 certificate: " + reason(e), e);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Bad base64 surfaces as BouncyCastle's DecoderException (unchecked), a missing END line as IOException.
            throw new TlsException(name + ": not a valid PEM file (" + reason(e)
                    + "); expected -----BEGIN CERTIFICATE----- blocks", e);
        }
        if (chain.isEmpty()) {
            throw new TlsException(name + ": no certificate found; expected one or more "
                    + "-----BEGIN CERTIFICATE----- blocks, the server's certificate first"
                    + (block == 0 ? notPemHint(text) : ""));
        }
        return chain.toArray(new X509Certificate[0]);
    }

    /** The first private key in the file: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted. */
    static PrivateKey readKey(Path file, String name) throws TlsException {
        String text = readText(file, name);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        boolean sawBlock = false;
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                sawBlock = true;
                if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                    // The server starts unattended (systemd), so there is nobody to type a passphrase.
                    throw new TlsException(name + ": encrypted private keys are not supported; decrypt with "
                            + "openssl pkey -in " + file + " -out <new file> and protect it with file permissions");
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                // Certificates, public keys, "EC PARAMETERS" (openssl ecparam -genkey writes one): skip.
            }
        } catch (PEMException e) {
            throw new TlsException(name + ": the private key cannot be decoded (" + reason(e)
                    + "); expected an unencrypted PKCS#8, PKCS#1 RSA or SEC1 EC key", e);
        } catch (IOException | RuntimeException e) {
            // PEMParser reports bad base64 or a missing END line as IOException, and some malformed
            // structures as IllegalArgumentException/ClassCastException.
            throw new TlsException(name + ": not a valid PEM file (" + reason(e)
                    + "); expected -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY)", e);
        }
        throw new TlsException(name + ": no private key found; expected -----BEGIN PRIVATE KEY-----, "
                + "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----"
                + (sawBlock ? "" : notPemHint(text)));
    }

    private static String readText(Path file, String name) throws TlsException {
        try {
            // ISO-8859-1 maps every byte, so binary garbage reaches the PEM reader and gets a PEM-shaped error.
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsException(name + ": cannot read: no such file", e);
        } catch (AccessDeniedException e) {
            throw new TlsException(name + ": cannot read: permission denied (the server runs as user "
                    + System.getProperty("user.name") + ")", e);
        } catch (IOException e) {
            throw new TlsException(name + ": cannot read: " + reason(e), e);
        }
    }

    private static String notPemHint(String text) {
        if (text.isBlank()) {
            return " (the file is empty)";
        }
        // DER starts with an ASN.1 SEQUENCE tag; tell the operator how to convert rather than just "bad PEM".
        if (text.charAt(0) == 0x30) {
            return " (the file looks like binary DER; convert it with openssl x509/pkey -inform DER -outform PEM)";
        }
        return " (the file is not PEM)";
    }

    static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
