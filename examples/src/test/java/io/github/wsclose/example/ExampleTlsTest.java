package io.github.wsclose.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import java.io.File;
import org.junit.jupiter.api.Test;

class ExampleTlsTest {

    @Test
    void tlsFlagsAreTakenOut_theRestGoesToTheOtherOptions() {
        ExampleTls tls = ExampleTls.parse("--port", "0", "--tls", "--cert", "a.pem", "--key=b.pem", "--compression");
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.certificate()).isEqualTo(new File("a.pem"));
        assertThat(tls.key()).isEqualTo(new File("b.pem"));
        assertThat(tls.remaining()).containsExactly("--port", "0", "--compression");
        assertThat(ExampleOptions.parse(tls.remaining()).port()).isZero();
    }

    @Test
    void withoutTls_noContext() throws Exception {
        assertThat(ExampleTls.parse("--port", "0").context()).isNull();
    }

    @Test
    void certAndKeyGoTogether_andNeedTls() {
        assertThatThrownBy(() -> ExampleTls.parse("--tls", "--cert", "a.pem")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--cert and --key go together");
        assertThatThrownBy(() -> ExampleTls.parse("--cert", "a.pem", "--key", "b.pem")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--cert and --key need --tls");
        assertThatThrownBy(() -> ExampleTls.parse("--tls", "--key")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--key needs a file");
    }

    @Test
    void aCertificateIsMadeAtStart_withAlpnForHttp2AndHttp1() throws Exception {
        SslContext context = ExampleTls.parse("--tls").context();
        assertThat(context).isNotNull();
        assertThat(context.isServer()).isTrue();
        assertThat(context.applicationProtocolNegotiator().protocols()).containsExactly("h2", "http/1.1");
    }
}
