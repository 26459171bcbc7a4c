package io.github.wsclose.example;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The socket transports a Netty 4.2 server runs on, by the name of the {@code --transport} flag:
 * {@code nio} (the JDK's selector, everywhere), {@code epoll} (Linux, from
 * {@code netty-transport-native-epoll}) and {@code io_uring} (Linux 5.9 and later, from
 * {@code netty-transport-native-io_uring}). Each gives the event loops' I/O handler and the channel
 * classes to bootstrap with; the library itself works the same on all three (docs/transports.md).
 *
 * <p>A native transport whose classes or native library are missing, or whose kernel refuses it,
 * is unavailable, and {@link #unavailabilityCause()} says why. Immutable and thread-safe.
 */
public enum Transport {

    /** Java NIO: a {@code Selector}, on every platform. */
    NIO("nio") {
        @Override
        IoHandlerFactory handlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }

        @Override
        @Nullable Throwable probe() {
            return null;
        }
    },

    /** Linux epoll, edge-triggered, through Netty's JNI library. */
    EPOLL("epoll") {
        @Override
        IoHandlerFactory handlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }

        @Override
        @Nullable Throwable probe() {
            return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
        }
    },

    /** Linux io_uring, completion-based, through Netty's JNI library. */
    IO_URING("io_uring") {
        @Override
        IoHandlerFactory handlerFactory() {
            return IoUringIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return IoUringServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return IoUringSocketChannel.class;
        }

        @Override
        @Nullable Throwable probe() {
            return IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
        }
    };

    private final String flag;

    // the probe's answer, once asked (a race asks twice, and gets the same answer)
    private volatile @Nullable Probe probed;

    Transport(String flag) {
        this.flag = flag;
    }

    /** Its name on a command line: {@code nio}, {@code epoll} or {@code io_uring}. */
    public String flag() {
        return flag;
    }

    /** Whether it works on this machine and class path. */
    public boolean isAvailable() {
        return unavailabilityCause() == null;
    }

    /** Why it does not work here, or null if it does. */
    public @Nullable Throwable unavailabilityCause() {
        Probe known = probed;
        if (known == null) {
            Throwable why;
            try {
                why = probe();
            } catch (LinkageError missing) { // the native transport's jar is not on the class path
                why = missing;
            }
            probed = known = new Probe(why);
        }
        return known.cause();
    }

    /**
     * A group of {@code threads} event loops of this transport (0: Netty's default, twice the
     * processors).
     *
     * @throws IllegalStateException if it is not available here, with the cause
     */
    public EventLoopGroup newGroup(int threads) {
        requireAvailable();
        return new MultiThreadIoEventLoopGroup(threads, handlerFactory());
    }

    /** The listening channel class for a {@code ServerBootstrap} on a group of this transport. */
    public abstract Class<? extends ServerSocketChannel> serverChannel();

    /** The connection channel class for a {@code Bootstrap} on a group of this transport. */
    public abstract Class<? extends SocketChannel> socketChannel();

    /**
     * Returns this transport.
     *
     * @throws IllegalStateException if it is not available here, naming the cause
     */
    public Transport requireAvailable() {
        Throwable why = unavailabilityCause();
        if (why != null) {
            throw new IllegalStateException("transport " + flag + " is not available here: " + why, why);
        }
        return this;
    }

    /** The best transport available here: io_uring, else epoll, else NIO. */
    public static Transport best() {
        for (Transport transport : new Transport[] {IO_URING, EPOLL}) {
            if (transport.isAvailable()) {
                return transport;
            }
        }
        return NIO;
    }

    /**
     * The transport of a {@code --transport} value.
     *
     * @throws IllegalArgumentException for a name that is none of {@code nio}, {@code epoll}, {@code io_uring}
     */
    public static Transport of(String flag) {
        for (Transport transport : values()) {
            if (transport.flag.equals(flag.toLowerCase(Locale.ROOT))) {
                return transport;
            }
        }
        throw new IllegalArgumentException("unknown transport: \"" + flag + "\" (expected: "
                + Arrays.stream(values()).map(Transport::flag).collect(Collectors.joining(", ")) + ")");
    }

    /** What {@code --help} and start-up lines print: each transport and whether it works here. */
    public static String describeAll() {
        return Arrays.stream(values())
                .map(t -> t.flag + (t.isAvailable() ? " (available)" : " (unavailable: " + t.unavailabilityCause() + ")"))
                .collect(Collectors.joining(", "));
    }

    /** The event loops' I/O handler; referenced only once {@link #probe()} said the transport works. */
    abstract IoHandlerFactory handlerFactory();

    /** Why the transport does not work here, or null; may throw a {@link LinkageError} when its jar is missing. */
    abstract @Nullable Throwable probe();

    /** Why a transport does not work here, or null if it does. */
    private record Probe(@Nullable Throwable cause) {
    }
}
