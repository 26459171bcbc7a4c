// Where the example server under test listens, from EXAMPLE_URL (its page URL, such as
// http://127.0.0.1:8080/), and small functions that turn WebSocket events into promises that
// fail after a timeout instead of hanging.

export const WAIT_MS = 10_000;

/**
 * The subprotocol on which the server takes the text "close CODE [REASON]" as a request to close;
 * on a connection without it, that text is echoed like any other.
 */
export const PLAYGROUND = 'wsclose.playground';

export function serverUrls() {
  const page = process.env.EXAMPLE_URL;
  if (!page) {
    throw new Error('EXAMPLE_URL is not set: start the example server and set EXAMPLE_URL to the page URL it prints, '
      + 'such as http://127.0.0.1:8080/ (.ci/run does this)');
  }
  const url = new URL(page);
  return { pageUrl: url.href, wsUrl: `ws://${url.host}/ws` };
}

/** Resolves with what `emitter` emits as `event` first; rejects on its 'error' or after WAIT_MS. */
export function once(emitter, event, what = event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      emitter.off('error', onError);
      reject(new Error(`no ${what} within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const onEvent = (...args) => {
      clearTimeout(timer);
      emitter.off('error', onError);
      resolve(args);
    };
    const onError = (error) => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      reject(error);
    };
    emitter.once(event, onEvent);
    emitter.once('error', onError);
  });
}

/** Resolves with the close event (code, reason, wasClean) as ws's EventTarget reports it. */
export function closeEvent(ws) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close event within ${WAIT_MS} ms`)), WAIT_MS);
    ws.addEventListener('close', (event) => {
      clearTimeout(timer);
      resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
    }, { once: true });
  });
}
