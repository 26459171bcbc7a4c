package io.github.wsclose;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP answers of a {@link GracefulDrain}, which the upgrade guard of every pipeline of the
 * drain gives: its readiness check, and the refusal of upgrades once it has started. Each closes
 * its connection ({@code Connection: close}).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4">RFC 9110 §15.6.4 (503)</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3">RFC 9110 §10.2.3 (Retry-After)</a>
 */
final class DrainResponses {

    private DrainResponses() {
    }

    /**
     * The answer to {@code request} if it asks for the drain's readiness path: {@code 200} while
     * serving, {@code 503} with {@code Retry-After} once draining, {@code 405} for a method other
     * than {@code GET} and {@code HEAD}; null for any other path.
     */
    static @Nullable FullHttpResponse readiness(GracefulDrain drain, HttpRequest request) {
        String path = drain.readinessPath().orElse(null);
        if (path == null || !isPath(request.uri(), path)) {
            return null;
        }
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            FullHttpResponse refused = UpgradeGuard.response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method not allowed: " + request.method() + " (expected: GET or HEAD)");
            refused.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return refused;
        }
        if (drain.phase() == GracefulDrain.Phase.SERVING) {
            return UpgradeGuard.response(HttpResponseStatus.OK, "serving");
        }
        return unavailable(drain, "draining");
    }

    /** The answer to an upgrade request while the drain runs: 503, which a load balancer may retry on another server. */
    static FullHttpResponse upgradeRefused(GracefulDrain drain) {
        return unavailable(drain, "draining: connect again");
    }

    private static FullHttpResponse unavailable(GracefulDrain drain, String text) {
        FullHttpResponse response = UpgradeGuard.response(HttpResponseStatus.SERVICE_UNAVAILABLE, text);
        response.headers().setInt(HttpHeaderNames.RETRY_AFTER, drain.retryAfterSeconds());
        return response;
    }

    /** Tells whether {@code uri} (origin form, with or without a query) names {@code path}. */
    private static boolean isPath(String uri, String path) {
        return uri.startsWith(path) && (uri.length() == path.length() || uri.charAt(path.length()) == '?');
    }
}
