package io.github.wsclose;

import io.github.wsclose.example.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

/**
 * The one place the tests take their socket transport from: the system property
 * {@value #PROPERTY} ({@code nio}, the default, {@code epoll} or {@code io_uring}; Maven hands
 * {@code -Dwsclose.transport=...} to the test JVM), for {@link TestServer}, {@link MassCloseClient}, the
 * example server in process and in {@link ExampleServerProcess}. {@link RawClient} and the
 * third-party clients are the JDK's blocking sockets or their own, whatever the property says.
 *
 * <p>A transport that does not work on this machine fails the first test that asks for it, with
 * Netty's reason: a run on epoll or io_uring never passes on NIO instead. See docs/transports.md.
 */
public final class TestTransport {

    /**
     * The JUnit tag of the test classes whose outcome depends on the socket transport: .ci/run
     * runs them again on epoll and io_uring ({@code -Dgroups=transport}).
     */
    public static final String TAG = "transport";

    /** The system property that names the transport. */
    public static final String PROPERTY = "wsclose.transport";

    private static final Transport CHOSEN = choose();

    private TestTransport() {
    }

    /** The transport of this run. */
    public static Transport transport() {
        return CHOSEN.requireAvailable();
    }

    /** Its {@code --transport} name, for the example server's command line. */
    public static String flag() {
        return transport().flag();
    }

    /** A group of {@code threads} event loops of this run's transport. */
    static EventLoopGroup newGroup(int threads) {
        return transport().newGroup(threads);
    }

    /** The listening channel class of this run's transport. */
    static Class<? extends ServerSocketChannel> serverChannel() {
        return transport().serverChannel();
    }

    /** The connection channel class of this run's transport. */
    static Class<? extends SocketChannel> socketChannel() {
        return transport().socketChannel();
    }

    private static Transport choose() {
        Transport chosen = Transport.of(System.getProperty(PROPERTY, Transport.NIO.flag()));
        Throwable why = chosen.unavailabilityCause();
        // one line per test JVM, in the build's output: which transport the socket tests ran on
        System.out.println("[" + PROPERTY + "] socket tests run on " + chosen.flag()
                + (why == null ? "" : ", which is NOT available here: " + why));
        return chosen;
    }
}
