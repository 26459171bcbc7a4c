package io.github.wsclose;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Headers.PseudoHeaderName;
import org.jspecify.annotations.Nullable;

/**
 * The one home of the rules of an extended CONNECT that opens a WebSocket (RFC 8441 §4–5): a
 * side-effect-free check that returns why a request is refused, or null.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8441#section-4">RFC 8441 §4</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8441#section-5">RFC 8441 §5</a>
 */
final class Http2ConnectCheck {

    /** The only version of RFC 6455, the one RFC 8441 keeps. */
    static final String VERSION = "13";
    /** The {@code :protocol} of a WebSocket (RFC 8441 §5). */
    static final String WEBSOCKET = "websocket";

    private Http2ConnectCheck() {
    }

    /**
     * Tells whether {@code headers} ask for a tunnel, a CONNECT with or without {@code :protocol};
     * every other request is an ordinary HTTP request.
     */
    static boolean isConnect(Http2Headers headers) {
        return HttpMethod.CONNECT.asciiName().contentEquals(headers.method() == null ? "" : headers.method());
    }

    /**
     * Returns why the CONNECT of {@code headers} opens no WebSocket on {@code path}, or null if it
     * does.
     *
     * @param headers    the request's headers, a CONNECT
     * @param path       the WebSocket endpoint's path
     * @param advertised whether the peer acknowledged our SETTINGS_ENABLE_CONNECT_PROTOCOL = 1
     * @param endStream  whether the request ended the stream
     */
    static @Nullable Refusal check(Http2Headers headers, String path, boolean advertised, boolean endStream) {
        CharSequence protocol = headers.get(PseudoHeaderName.PROTOCOL.value());
        if (protocol == null) {
            // a CONNECT without :protocol is a TCP tunnel (RFC 9113 §8.5), which a WebSocket server does not open
            return new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT without :protocol is not supported");
        }
        if (!WEBSOCKET.contentEquals(protocol)) {
            return new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "unsupported :protocol: " + protocol + " (expected: websocket)");
        }
        if (!advertised) {
            // a client MUST NOT send :protocol before it received SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §4)
            return new Refusal(HttpResponseStatus.BAD_REQUEST, ":protocol sent before SETTINGS_ENABLE_CONNECT_PROTOCOL was acknowledged");
        }
        // an extended CONNECT MUST carry :scheme and :path (RFC 8441 §4) and :authority (RFC 9113 §8.3.1)
        for (PseudoHeaderName required : new PseudoHeaderName[] {PseudoHeaderName.SCHEME, PseudoHeaderName.PATH, PseudoHeaderName.AUTHORITY}) {
            CharSequence value = headers.get(required.value());
            if (value == null || value.length() == 0) {
                return new Refusal(HttpResponseStatus.BAD_REQUEST, "missing " + required.value());
            }
        }
        if (endStream) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "CONNECT ended the stream: no tunnel left to open");
        }
        if (!isPath(headers.path().toString(), path)) {
            return new Refusal(HttpResponseStatus.NOT_FOUND, "no WebSocket endpoint at " + headers.path() + " (expected: " + path + ")");
        }
        CharSequence version = headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (version == null || !VERSION.contentEquals(version)) {
            // the server MUST answer a version it does not speak with the versions it speaks (RFC 6455 §4.4)
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "unsupported sec-websocket-version: " + version + " (expected: 13)");
        }
        return null;
    }

    /** Tells whether {@code target} (a path with or without a query) names {@code path}. */
    private static boolean isPath(String target, String path) {
        return target.startsWith(path) && (target.length() == path.length() || target.charAt(path.length()) == '?');
    }

    /**
     * Why an extended CONNECT opens no WebSocket.
     *
     * @param status the response's status
     * @param text   the response's body, one line
     */
    record Refusal(HttpResponseStatus status, String text) {
    }
}
