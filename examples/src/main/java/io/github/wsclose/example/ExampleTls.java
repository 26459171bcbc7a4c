package io.github.wsclose.example;

import io.github.wsclose.Http2ServerPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.File;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The example's TLS flags, read before {@link ExampleOptions} reads the rest:
 * {@code --tls} serves HTTPS and WSS, with HTTP/2 and HTTP/1.1 chosen by ALPN
 * ({@link Http2ServerPipeline#configureTls}); {@code --cert FILE --key FILE} (PEM) give the
 * certificate, else one is made at start for {@code localhost} (which browsers do not trust:
 * start them with {@code --ignore-certificate-errors}, or accept it once). Immutable.
 *
 * @param enabled     whether {@code --tls} was given
 * @param certificate the certificate chain's PEM file, or null for one made at start
 * @param key         the private key's PEM file (PKCS#8), or null for one made at start
 * @param remaining   the other arguments, for {@link ExampleOptions#parse(String...)}
 */
record ExampleTls(boolean enabled, @Nullable File certificate, @Nullable File key, String[] remaining) {

    static final String USAGE = """
              --tls                   serve HTTPS and WSS, HTTP/2 and HTTP/1.1 by ALPN, on the same port
              --cert FILE --key FILE  with --tls: the certificate chain and PKCS#8 key, PEM (default: made at start)""";

    /** Takes the TLS flags out of {@code args}. */
    static ExampleTls parse(String... args) {
        boolean enabled = false;
        File certificate = null;
        File key = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--tls")) {
                enabled = true;
            } else if (arg.equals("--cert") || arg.equals("--key")) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(arg + " needs a file");
                }
                File file = new File(args[++i]);
                if (arg.equals("--cert")) {
                    certificate = file;
                } else {
                    key = file;
                }
            } else if (arg.startsWith("--cert=")) {
                certificate = new File(arg.substring("--cert=".length()));
            } else if (arg.startsWith("--key=")) {
                key = new File(arg.substring("--key=".length()));
            } else {
                rest.add(arg);
            }
        }
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        if (certificate != null && !enabled) {
            throw new IllegalArgumentException("--cert and --key need --tls");
        }
        return new ExampleTls(enabled, certificate, key, rest.toArray(String[]::new));
    }

    /** The server's TLS context with ALPN, or null without {@code --tls}. */
    @Nullable SslContext context() throws SSLException, CertificateException {
        if (!enabled) {
            return null;
        }
        if (certificate != null && key != null) {
            return Http2ServerPipeline.withAlpn(SslContextBuilder.forServer(certificate, key)).build();
        }
        SelfSignedCertificate made = new SelfSignedCertificate("localhost");
        try {
            return Http2ServerPipeline.withAlpn(SslContextBuilder.forServer(made.certificate(), made.privateKey())).build();
        } finally {
            made.delete(); // read into the context: the temporary files are no longer needed
        }
    }
}
