package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.github.wsclose.CloseReason.Codes;
import io.github.wsclose.ClosingHandshakeConfig.Role;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Defaults and validation of {@link ClosingHandshakeConfig}. */
class ClosingHandshakeConfigTest {

    private static final CloseReason GOING_AWAY = new CloseReason(Codes.GOING_AWAY, "");

    @Test
    void serverDefaults() {
        assertThat(ClosingHandshakeConfig.server())
                .isEqualTo(new ClosingHandshakeConfig(Role.SERVER, Duration.ofSeconds(5), false, GOING_AWAY));
        assertThat(ClosingHandshakeConfig.server()).as("one instance, held by every connection").isSameAs(ClosingHandshakeConfig.server());
    }

    @Test
    void clientDefaultsDifferOnlyInRole() {
        assertThat(ClosingHandshakeConfig.client())
                .isEqualTo(new ClosingHandshakeConfig(Role.CLIENT, Duration.ofSeconds(5), false, GOING_AWAY));
    }

    @Test
    void eachCopyChangesOneSetting() {
        CloseReason restart = new CloseReason(Codes.SERVICE_RESTART, "deploy");
        ClosingHandshakeConfig config = ClosingHandshakeConfig.server()
                .withRole(Role.CLIENT)
                .withCloseTimeout(Duration.ofMillis(1))
                .withEchoReason(true)
                .withCloseReasonOnClose(restart);

        assertThat(config).isEqualTo(new ClosingHandshakeConfig(Role.CLIENT, Duration.ofMillis(1), true, restart));
    }

    @Test
    void copiesLeaveTheOriginalAsItWas() {
        ClosingHandshakeConfig server = ClosingHandshakeConfig.server();

        server.withEchoReason(true);

        assertThat(server.echoReason()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void closeTimeoutMustBePositive(long nanos) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofNanos(nanos)))
                .withMessage("closeTimeout must be positive: " + Duration.ofNanos(nanos));
    }

    @Test
    void closeReasonOnCloseMustBeSendable() {
        ClosingHandshakeConfig server = ClosingHandshakeConfig.server();

        assertThatIllegalArgumentException().isThrownBy(() -> server.withCloseReasonOnClose(new CloseReason(Codes.CLOSED_ABNORMALLY, "")))
                .withMessageContaining("close status 1006 must not appear on the wire");
        assertThatIllegalArgumentException().isThrownBy(() -> server.withCloseReasonOnClose(new CloseReason(Codes.NO_STATUS_RECEIVED, "x")))
                .withMessageContaining("close status 1005 must not appear on the wire");
        assertThatIllegalArgumentException().isThrownBy(() -> server.withCloseReasonOnClose(new CloseReason(Codes.NORMAL, "x".repeat(124))))
                .withMessageStartingWith("close reason too long: 124 bytes (expected: <= 123)");
    }

    @Test
    void anEmptyCloseIsSendable() {
        CloseReason empty = new CloseReason(Codes.NO_STATUS_RECEIVED, "");

        assertThat(ClosingHandshakeConfig.server().withCloseReasonOnClose(empty).closeReasonOnClose()).isEqualTo(empty);
    }

    @Test
    void nullsAreRejectedByName() {
        assertThatNullPointerException().isThrownBy(() -> new ClosingHandshakeConfig(null, Duration.ofSeconds(1), false, GOING_AWAY))
                .withMessage("role");
        assertThatNullPointerException().isThrownBy(() -> new ClosingHandshakeConfig(Role.SERVER, null, false, GOING_AWAY))
                .withMessage("closeTimeout");
        assertThatNullPointerException().isThrownBy(() -> new ClosingHandshakeConfig(Role.SERVER, Duration.ofSeconds(1), false, null))
                .withMessage("closeReasonOnClose");
    }
}
