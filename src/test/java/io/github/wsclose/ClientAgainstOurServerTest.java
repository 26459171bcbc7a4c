package io.github.wsclose;

/** The client's interop matrix against this library's server, which answers a close with its code alone (its default). */
class ClientAgainstOurServerTest extends ClientInteropMatrix {

    @Override
    PeerServer.Kind kind() {
        return PeerServer.Kind.OURS;
    }

    @Override
    boolean echoesReason() {
        return false;
    }
}
