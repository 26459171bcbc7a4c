package io.github.wsclose;

import org.junit.jupiter.api.Tag;

/**
 * The client's interop matrix against Node's ws 8, which answers a close with its code and reason.
 * Tagged {@code peers}: the README's test command leaves it out, {@code .ci/run} installs the
 * server and runs it, and it fails when the server is missing.
 */
@Tag("peers")
class ClientAgainstNodeWsTest extends ClientInteropMatrix {

    @Override
    PeerServer.Kind kind() {
        return PeerServer.Kind.NODE_WS;
    }

    @Override
    boolean echoesReason() {
        return true;
    }
}
