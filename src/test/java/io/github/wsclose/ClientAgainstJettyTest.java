package io.github.wsclose;

import org.eclipse.jetty.websocket.core.CloseStatus;

/** The client's interop matrix against Jetty 12's WebSocket server, embedded, which answers a close with its code and reason. */
class ClientAgainstJettyTest extends ClientInteropMatrix {

    @Override
    PeerServer.Kind kind() {
        return PeerServer.Kind.JETTY;
    }

    @Override
    boolean echoesReason() {
        return true;
    }

    /**
     * Jetty reports the answer when its own close was "ordinary" (1000, 1005, 3000 and up:
     * {@code CloseStatus.isOrdinary}), and its own close status otherwise (1001 here).
     */
    @Override
    CloseReason reportedAfterServerClose(CloseReason sent, CloseReason answer) {
        return CloseStatus.isOrdinary(sent.unsignedCode()) ? answer : sent;
    }
}
