package io.github.wsclose;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Records what one JDK {@link WebSocket} client saw: whole text and binary messages, the close
 * frame it received ({@code onClose}) and any error ({@code onError}).
 *
 * <p>Returning null from {@code onClose} lets the JDK answer the close frame by itself, as an
 * application that has nothing more to send does. Thread-safe. Public, with the members the
 * example tests use, for those outside this package.
 */
public final class JdkClientListener implements WebSocket.Listener {

    private final CompletableFuture<CloseReason> close = new CompletableFuture<>();
    private final CompletableFuture<Throwable> error = new CompletableFuture<>();
    private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();

    // the message being received, confined to the client's delivery (one call at a time)
    private final StringBuilder text = new StringBuilder();
    private ByteBuffer binary = ByteBuffer.allocate(0);

    /** Opens a WebSocket to {@code uri} that reports to this listener. */
    public CompletableFuture<WebSocket> open(HttpClient http, URI uri) {
        return http.newWebSocketBuilder().buildAsync(uri, this);
    }

    /** Waits for the close frame the client received; fails if it saw an error instead. */
    public CloseReason awaitClose() throws InterruptedException, ExecutionException, TimeoutException {
        return close.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Waits for the error the client saw. */
    Throwable awaitError() throws InterruptedException, ExecutionException, TimeoutException {
        return error.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Tells whether the client saw an error so far. */
    boolean sawError() {
        return error.isDone();
    }

    /** Waits for the next whole message: a {@code String} or a {@code byte[]}. */
    public Object awaitMessage() throws InterruptedException {
        return TestServer.next(messages, "message");
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(text.toString());
            text.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        binary = ByteBuffer.allocate(binary.remaining() + data.remaining()).put(binary).put(data).flip();
        if (last) {
            messages.add(binary.array());
            binary = ByteBuffer.allocate(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        close.complete(CloseReason.of(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable failure) {
        error.complete(failure);
        close.completeExceptionally(failure);
    }
}
