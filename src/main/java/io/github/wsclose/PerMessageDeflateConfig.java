package io.github.wsclose;

/**
 * How a server negotiates and runs permessage-deflate (RFC 7692): the compression of
 * WebSocket messages that browsers offer on every connection.
 *
 * <p>Start from {@link #DEFAULT} and adjust with the {@code with…} methods; every instance is
 * immutable, thread-safe and may be shared by any number of pipelines. Turn it on with
 * {@link ServerOptions#withCompression(PerMessageDeflateConfig)}; the largest message a peer may
 * make us inflate is {@link ServerOptions#maxMessageBytes()}.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #compressionLevel()}</td><td>6</td><td>zlib level of the messages we send,
 *       0 (stored) to 9 (smallest)</td></tr>
 *   <tr><td>{@link #serverNoContextTakeover()}</td><td>false</td><td>always start each message we
 *       send with an empty LZ77 window, and say so in the response; when false we still do it
 *       for a client that asks ({@code server_no_context_takeover})</td></tr>
 *   <tr><td>{@link #clientNoContextTakeover()}</td><td>false</td><td>ask the client to start each
 *       message it sends with an empty window ({@code client_no_context_takeover})</td></tr>
 *   <tr><td>{@link #serverMaxWindowBits()}</td><td>15</td><td>the largest LZ77 window we use
 *       (2<sup>bits</sup> bytes); below 15, and whenever a client asks for less than 15, the
 *       messages we send are Huffman-coded only, without back-references, since the JDK's
 *       deflater always uses a 32 KiB window</td></tr>
 *   <tr><td>{@link #clientMaxWindowBits()}</td><td>15</td><td>the largest window we allow the
 *       client, sent as {@code client_max_window_bits} when the client offered that parameter
 *       and this is below 15</td></tr>
 * </table>
 *
 * <p>Control frames (close, ping, pong) are never compressed (RFC 7692 §6.1).
 *
 * @param compressionLevel        0–9
 * @param serverNoContextTakeover whether every message we send starts with an empty window
 * @param clientNoContextTakeover whether to ask the client to do the same
 * @param serverMaxWindowBits     8–15
 * @param clientMaxWindowBits     8–15
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7692#section-7">RFC 7692 §7</a>
 */
public record PerMessageDeflateConfig(int compressionLevel, boolean serverNoContextTakeover,
        boolean clientNoContextTakeover, int serverMaxWindowBits, int clientMaxWindowBits) {

    /** The smallest LZ77 window RFC 7692 allows: 2<sup>8</sup> bytes (§7.1.2). */
    public static final int MIN_WINDOW_BITS = 8;

    /** The largest LZ77 window RFC 7692 allows: 2<sup>15</sup> bytes, 32 KiB (§7.1.2). */
    public static final int MAX_WINDOW_BITS = 15;

    /** Level 6, context takeover both ways, 32 KiB windows. */
    public static final PerMessageDeflateConfig DEFAULT = new PerMessageDeflateConfig(6, false, false, MAX_WINDOW_BITS, MAX_WINDOW_BITS);

    /**
     * Checks the settings.
     *
     * @param compressionLevel        0–9
     * @param serverNoContextTakeover whether every message we send starts with an empty window
     * @param clientNoContextTakeover whether to ask the client to do the same
     * @param serverMaxWindowBits     8–15
     * @param clientMaxWindowBits     8–15
     * @throws IllegalArgumentException if the level is not 0–9 or a window is not 8–15 bits
     */
    public PerMessageDeflateConfig {
        if (compressionLevel < 0 || compressionLevel > 9) {
            throw new IllegalArgumentException("compressionLevel out of range: " + compressionLevel + " (expected: 0-9)");
        }
        checkWindowBits("serverMaxWindowBits", serverMaxWindowBits);
        checkWindowBits("clientMaxWindowBits", clientMaxWindowBits);
    }

    /**
     * Returns a copy with the given zlib level.
     *
     * @param compressionLevel 0 (stored) to 9 (smallest)
     * @return the copy
     * @throws IllegalArgumentException if the value is out of range
     */
    public PerMessageDeflateConfig withCompressionLevel(int compressionLevel) {
        return new PerMessageDeflateConfig(compressionLevel, serverNoContextTakeover, clientNoContextTakeover,
                serverMaxWindowBits, clientMaxWindowBits);
    }

    /**
     * Returns a copy that does, or does not, start every message it sends with an empty window.
     *
     * @param serverNoContextTakeover whether to
     * @return the copy
     */
    public PerMessageDeflateConfig withServerNoContextTakeover(boolean serverNoContextTakeover) {
        return new PerMessageDeflateConfig(compressionLevel, serverNoContextTakeover, clientNoContextTakeover,
                serverMaxWindowBits, clientMaxWindowBits);
    }

    /**
     * Returns a copy that does, or does not, ask the client to start every message with an empty window.
     *
     * @param clientNoContextTakeover whether to ask
     * @return the copy
     */
    public PerMessageDeflateConfig withClientNoContextTakeover(boolean clientNoContextTakeover) {
        return new PerMessageDeflateConfig(compressionLevel, serverNoContextTakeover, clientNoContextTakeover,
                serverMaxWindowBits, clientMaxWindowBits);
    }

    /**
     * Returns a copy whose own window is at most 2<sup>bits</sup> bytes.
     *
     * @param serverMaxWindowBits 8–15
     * @return the copy
     * @throws IllegalArgumentException if the value is out of range
     */
    public PerMessageDeflateConfig withServerMaxWindowBits(int serverMaxWindowBits) {
        return new PerMessageDeflateConfig(compressionLevel, serverNoContextTakeover, clientNoContextTakeover,
                serverMaxWindowBits, clientMaxWindowBits);
    }

    /**
     * Returns a copy that allows the client a window of at most 2<sup>bits</sup> bytes.
     *
     * @param clientMaxWindowBits 8–15
     * @return the copy
     * @throws IllegalArgumentException if the value is out of range
     */
    public PerMessageDeflateConfig withClientMaxWindowBits(int clientMaxWindowBits) {
        return new PerMessageDeflateConfig(compressionLevel, serverNoContextTakeover, clientNoContextTakeover,
                serverMaxWindowBits, clientMaxWindowBits);
    }

    private static void checkWindowBits(String name, int bits) {
        if (bits < MIN_WINDOW_BITS || bits > MAX_WINDOW_BITS) {
            throw new IllegalArgumentException(name + " out of range: " + bits
                    + " (expected: " + MIN_WINDOW_BITS + "-" + MAX_WINDOW_BITS + ")");
        }
    }
}
