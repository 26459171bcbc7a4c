package io.github.wsclose;

import org.junit.jupiter.api.Tag;

/**
 * The client's interop matrix against Python's websockets 10.4 (Debian's python3-websockets), which answers a close with its code and reason.
 * Tagged {@code peers}: the README's test command leaves it out, {@code .ci/run} installs the
 * server and runs it, and it fails when the server is missing.
 */
@Tag("peers")
class ClientAgainstPythonWebsocketsTest extends ClientInteropMatrix {

    @Override
    PeerServer.Kind kind() {
        return PeerServer.Kind.PYTHON_WEBSOCKETS;
    }

    @Override
    boolean echoesReason() {
        return true;
    }
}
