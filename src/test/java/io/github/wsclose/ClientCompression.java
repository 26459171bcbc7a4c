package io.github.wsclose;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * The client's side of permessage-deflate (RFC 7692), with the JDK's zlib: checks the server's
 * answer against the offer, compresses the messages the client sends and inflates those it
 * receives, with the context takeover and window the answer agreed on.
 *
 * <p>One instance per connection; not thread-safe. {@link #end()} frees zlib's memory.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7692#section-7">RFC 7692 §7</a>
 */
final class ClientCompression {

    private static final byte[] FLUSH_TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};

    private final boolean clientNoContextTakeover;
    private final boolean serverNoContextTakeover;
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    private final Inflater inflater = new Inflater(true);

    private ClientCompression(Map<String, String> agreed) {
        clientNoContextTakeover = agreed.containsKey("client_no_context_takeover");
        serverNoContextTakeover = agreed.containsKey("server_no_context_takeover");
        String clientWindow = agreed.get("client_max_window_bits");
        if (clientWindow != null && Integer.parseInt(clientWindow) < 15) {
            deflater.setStrategy(Deflater.HUFFMAN_ONLY); // no back-references: within any window
        }
    }

    /**
     * The compression the server's {@code Sec-WebSocket-Extensions} answer agreed on, or null if
     * it accepted none.
     *
     * @throws ProtocolException if the answer is not one the offer allows (§7.1)
     */
    static @Nullable ClientCompression accept(String offer, @Nullable String answer) throws ProtocolException {
        if (answer == null) {
            return null;
        }
        Map<String, String> agreed = parameters(answer);
        for (String one : offer.split(",")) {
            if (allows(parameters(one), agreed)) {
                return new ClientCompression(agreed);
            }
        }
        throw new ProtocolException("answer " + answer + " fits none of the offers " + offer);
    }

    /** Compresses one whole message: a sync flush without its 4-byte tail (§7.2.1). */
    byte[] compress(byte[] message) {
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length / 2 + 64);
        byte[] chunk = new byte[16384];
        int n;
        do {
            n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
            out.write(chunk, 0, n);
        } while (n == chunk.length || !deflater.needsInput());
        if (clientNoContextTakeover) {
            deflater.reset();
        }
        byte[] flushed = out.toByteArray();
        return Arrays.copyOf(flushed, flushed.length - FLUSH_TAIL.length);
    }

    /**
     * Inflates one whole message received with RSV1.
     *
     * @throws DataFormatException if the server sent data that does not inflate
     */
    byte[] inflate(byte[] compressed) throws DataFormatException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 4 + 64);
        byte[] chunk = new byte[16384];
        for (byte[] input : List.of(compressed, FLUSH_TAIL)) {
            inflater.setInput(input);
            int n;
            while ((n = inflater.inflate(chunk)) > 0 || !inflater.needsInput() && !inflater.finished()) {
                out.write(chunk, 0, n);
            }
        }
        if (serverNoContextTakeover || inflater.finished()) {
            inflater.reset();
        }
        return out.toByteArray();
    }

    void end() {
        deflater.end();
        inflater.end();
    }

    /** Whether the answer {@code agreed} is allowed for this one offer (§7.1.1, §7.1.2). */
    private static boolean allows(Map<String, String> offered, Map<String, String> agreed) {
        for (Map.Entry<String, String> answer : agreed.entrySet()) {
            String value = answer.getValue();
            boolean ok = switch (answer.getKey()) {
                case "server_no_context_takeover", "client_no_context_takeover" -> value == null;
                case "server_max_window_bits" -> offered.containsKey("server_max_window_bits") && value != null
                        && Integer.parseInt(value) <= Integer.parseInt(offered.get("server_max_window_bits"));
                case "client_max_window_bits" -> offered.containsKey("client_max_window_bits") && value != null
                        && (offered.get("client_max_window_bits") == null
                            || Integer.parseInt(value) <= Integer.parseInt(offered.get("client_max_window_bits")));
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        // a server that was asked for no context takeover must agree to it (§7.1.1.1)
        return !offered.containsKey("server_no_context_takeover") || agreed.containsKey("server_no_context_takeover");
    }

    /** The parameters of one {@code permessage-deflate} element; an empty name is not accepted. */
    private static Map<String, String> parameters(String element) throws ProtocolException {
        String[] parts = element.split(";");
        if (!parts[0].strip().equals("permessage-deflate")) {
            throw new ProtocolException("not permessage-deflate: " + element);
        }
        Map<String, String> parameters = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].strip().split("=", 2);
            parameters.put(kv[0].toLowerCase(Locale.ROOT), kv.length == 2 ? kv[1].strip().replace("\"", "") : null);
        }
        return parameters;
    }
}
