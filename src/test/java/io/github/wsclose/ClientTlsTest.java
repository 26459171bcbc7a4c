package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReport.Initiator;
import io.github.wsclose.UpgradeFailedException.Reason;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wss://}: a {@link ClientPipeline} over TLS to {@link TestServer} behind an SslHandler,
 * with a certificate the JDK's {@code keytool} makes for 127.0.0.1. With that certificate trusted,
 * the client upgrades, echoes and closes as over plain TCP; with a certificate for another name,
 * or with the default TLS settings (the JDK's trust store), the upgrade fails as a connect failure.
 */
class ClientTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;

    @Test
    void upgradesEchoesAndClosesOverTls() throws Exception {
        KeyStore keys = keyStore("ip:127.0.0.1");
        try (TestServer server = tlsServer(keys); TestClient client = new TestClient()) {
            ClientOptions options = ClientOptions.DEFAULTS.withSslContext(trusting(keys));
            TestServer.Connection ws = client.connect(wss(server), ClosingHandshakeConfig.client(), options);
            TestClient.upgraded(ws.channel());
            TestServer.Connection peer = server.nextConnection();
            ws.channel().writeAndFlush(new TextWebSocketFrame("over tls"));
            ws.channel().writeAndFlush(CloseReason.of(3000, "tls bye"));

            CloseReport report = ws.report();
            assertThat(report.clean()).isTrue();
            assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
            assertThat(ws.recorder().texts()).containsExactly("over tls");
            assertThat(peer.report().received()).isEqualTo(CloseReason.of(3000, "tls bye"));
        }
    }

    @Test
    void aCertificateForAnotherNameFailsTheUpgrade() throws Exception {
        KeyStore keys = keyStore("dns:example.com");
        try (TestServer server = tlsServer(keys); TestClient client = new TestClient()) {
            ClientOptions options = ClientOptions.DEFAULTS.withSslContext(trusting(keys));
            TestServer.Connection ws = client.connect(wss(server), ClosingHandshakeConfig.client(), options);
            UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
            assertThat(failed.reason()).isEqualTo(Reason.CONNECT);
            assertThat(failed.status()).isNull();
            assertThat(ws.channel().closeFuture().await(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theDefaultSettingsDoNotTrustASelfSignedCertificate() throws Exception {
        try (TestServer server = tlsServer(keyStore("ip:127.0.0.1")); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(wss(server), ClosingHandshakeConfig.client(), ClientOptions.DEFAULTS);
            UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
            assertThat(failed.reason()).isEqualTo(Reason.CONNECT);
            assertThat(ws.recorder().reports()).isEmpty();
        }
    }

    private static URI wss(TestServer server) {
        return URI.create("wss://127.0.0.1:" + server.port() + TestServer.PATH);
    }

    /** {@link TestServer} with TLS in front of its {@code ServerPipeline}. */
    private static TestServer tlsServer(KeyStore keys) throws GeneralSecurityException, IOException {
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SslContext tls = SslContextBuilder.forServer(keyManagers).build();
        return TestServer.builder().pipeline((pipeline, application) -> {
            pipeline.addLast("tls", tls.newHandler(pipeline.channel().alloc()));
            ServerPipeline.configure(pipeline, TestServer.PATH, ClosingHandshakeConfig.server(), application);
        }).start();
    }

    /** A client context that trusts the certificate of {@code keys} and checks the host name. */
    private static SslContext trusting(KeyStore keys) throws GeneralSecurityException, IOException {
        X509Certificate certificate = (X509Certificate) keys.getCertificate("server");
        return SslContextBuilder.forClient().trustManager(certificate).endpointIdentificationAlgorithm("HTTPS").build();
    }

    /** A self-signed EC key and certificate, with {@code san} as its subject alternative name, made by keytool. */
    private KeyStore keyStore(String san) throws Exception {
        Path file = dir.resolve("server-" + san.replace(':', '-') + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=wsclose test", "-ext", "SAN=" + san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", new String(PASSWORD)))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(process.exitValue()).as("keytool: %s", output).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keys.load(in, PASSWORD);
        }
        return keys;
    }
}
