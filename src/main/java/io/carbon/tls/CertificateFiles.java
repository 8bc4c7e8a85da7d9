package io.carbon.tls;

import io.carbon.config.ServerConfig;

import java.nio.file.Path;

/**
 * The certificate and key files of {@code https_port}, each with the setting that named it. Every message about
 * a file starts with that setting, so the operator is pointed at the line to fix, e.g.
 * {@code server.conf:12: ssl_cert_path = /etc/carbon/cert.pem: the certificate (CN=example.org) expired on ...},
 * {@code environment CARBON_SSL_KEY_PATH: ssl_key_path = /run/key.pem: cannot read: no such file} or
 * {@code default ssl_cert_path = /srv/ssl/cert/cert.pem: ...}. The same wording is used at start, by
 * {@code --check} and on a failed SIGHUP reload.
 *
 * @param cert     the PEM certificate chain
 * @param key      the PEM private key
 * @param certName how messages name the certificate file
 * @param keyName  how messages name the key file
 */
public record CertificateFiles(Path cert, Path key, String certName, String keyName) {

    static final String CERT_KEY = "ssl_cert_path";
    static final String KEY_KEY = "ssl_key_path";

    /** The files of {@code config}, named by the setting and where it was made. */
    public static CertificateFiles of(ServerConfig config) {
        Path cert = config.network().sslCertPath();
        Path key = config.network().sslKeyPath();
        return new CertificateFiles(cert, key, config.provenance().describe(CERT_KEY, cert),
                config.provenance().describe(KEY_KEY, key));
    }

    /** Files given directly (tests, tools): messages name the paths alone. */
    public static CertificateFiles of(Path cert, Path key) {
        return new CertificateFiles(cert, key, cert.toString(), key.toString());
    }
}
