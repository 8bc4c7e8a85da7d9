package io.carbon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --gen-cert} writes the kind of certificate the configuration asks for. */
class GenCertTest {

    @TempDir
    Path dir;

    @Test
    void genCertHonoursSelfSignedForWebTransport() throws Exception {
        assertThat(validity(false)).isEqualTo(Duration.ofDays(397));
        assertThat(validity(true)).isEqualTo(Duration.ofDays(13));
    }

    private Duration validity(boolean forWebTransport) throws Exception {
        Path sub = Files.createDirectories(dir.resolve(String.valueOf(forWebTransport)));
        Path www = Files.createDirectories(sub.resolve("www"));
        Path cert = sub.resolve("cert.pem");
        Path conf = sub.resolve("server.conf");
        Files.writeString(conf, "www_path = " + www + "\nssl_cert_path = " + cert + "\nssl_key_path = "
                + sub.resolve("key.pem") + "\nself_signed_for_webtransport = " + forWebTransport + "\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--config", conf.toString(), "--gen-cert"}, Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String said = out.toString(StandardCharsets.UTF_8);
        assertThat(said).contains("wrote a self-signed certificate").contains(forWebTransport ? "valid 13 days"
                : "valid 397 days");
        assertThat(said.contains("WebTransport")).isEqualTo(forWebTransport);
        try (InputStream in = Files.newInputStream(cert)) {
            X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
            return Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        }
    }
}
