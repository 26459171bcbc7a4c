// The example server against Node's ws client: echo, closes started by the client with every
// sendable code, closes started by the server through the "close CODE REASON" command on a
// connection with the subprotocol wsclose.playground (and the same text echoed on one without
// it), and refused commands that leave the connection open.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { PLAYGROUND, closeEvent, once, serverUrls } from './server.mjs';

const { wsUrl } = serverUrls();

// Every code a close frame may carry from the defined ranges, and both ends of the
// registered and private ranges (RFC 6455 §7.4, IANA registry).
const SENDABLE = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];

const REASONS = {
  'no reason': '',
  '12 ASCII bytes': 'twelve bytes',
  '12 multi-byte bytes': 'grüße 🌍',
  '123 ASCII bytes': 'r'.repeat(123),
  '123 multi-byte bytes': '😀'.repeat(30) + 'é!',
};

for (const [name, reason] of Object.entries(REASONS)) {
  const expected = Number(name.split(' ')[0]) || 0;
  assert.equal(Buffer.byteLength(reason), expected, `reason "${name}" has the wrong length`);
}

/** Opens a connection, with the subprotocols given (none: a plain echo connection). */
async function connect(...protocols) {
  const ws = new WebSocket(wsUrl, protocols);
  await once(ws, 'open');
  return ws;
}

async function nextMessage(ws) {
  const [data, isBinary] = await once(ws, 'message');
  return { data, isBinary };
}

describe('echo', () => {
  test('text, binary and fragmented messages come back unchanged', async () => {
    const ws = await connect();
    const closed = closeEvent(ws);

    ws.send('hello, ünïcödé 🌍');
    assert.deepEqual(await nextMessage(ws), { data: Buffer.from('hello, ünïcödé 🌍'), isBinary: false });

    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
    ws.send(bytes);
    assert.deepEqual(await nextMessage(ws), { data: bytes, isBinary: true });

    ws.send('first half, ', { fin: false });
    ws.send('second half', { fin: true });
    assert.equal((await nextMessage(ws)).data.toString(), 'first half, second half');

    ws.send('closet 1000');
    assert.equal((await nextMessage(ws)).data.toString(), 'closet 1000');

    ws.close(1000);
    assert.deepEqual(await closed, { code: 1000, reason: '', wasClean: true });
  });

  test('without the playground subprotocol, "close 1000 x" is a message like any other: echoed', async () => {
    const ws = await connect();
    assert.equal(ws.protocol, '');
    const closed = closeEvent(ws);

    for (const text of ['close 1000 x', 'close 1005', 'close']) {
      ws.send(text);
      assert.deepEqual(await nextMessage(ws), { data: Buffer.from(text), isBinary: false });
    }

    ws.close(4000, 'done');
    assert.deepEqual(await closed, { code: 4000, reason: 'done', wasClean: true });
  });

  test('with the playground subprotocol, "close 1000 x" makes the server close', async () => {
    const ws = await connect(PLAYGROUND);
    assert.equal(ws.protocol, PLAYGROUND);
    const closed = closeEvent(ws);

    ws.send('hello');
    assert.equal((await nextMessage(ws)).data.toString(), 'hello');
    ws.send('close 1000 x');
    assert.deepEqual(await closed, { code: 1000, reason: 'x', wasClean: true });
  });
});

describe('the client closes first', () => {
  for (const code of SENDABLE) {
    test(`${code}: the server echoes code and reason, and the close is clean`, async () => {
      for (const [name, reason] of Object.entries(REASONS)) {
        const ws = await connect();
        const closed = closeEvent(ws);
        ws.close(code, reason);
        assert.deepEqual(await closed, { code, reason, wasClean: true }, `${code} with ${name}`);
      }
    });
  }

  test('an empty close frame is answered with an empty one, reported as 1005', async () => {
    const ws = await connect();
    const closed = closeEvent(ws);
    ws.close();
    assert.deepEqual(await closed, { code: 1005, reason: '', wasClean: true });
  });
});

describe('the server closes first on "close CODE REASON", with the playground subprotocol', () => {
  for (const code of SENDABLE) {
    test(`${code}: the client gets the code and reason it asked for`, async () => {
      for (const [name, reason] of Object.entries(REASONS)) {
        const ws = await connect(PLAYGROUND);
        const closed = closeEvent(ws);
        ws.send(reason === '' ? `close ${code}` : `close ${code} ${reason}`);
        assert.deepEqual(await closed, { code, reason, wasClean: true }, `${code} with ${name}`);
      }
    });
  }

  test('the reason is taken verbatim, spaces included', async () => {
    const ws = await connect(PLAYGROUND);
    const closed = closeEvent(ws);
    ws.send('close 4000  two  spaces ');
    assert.deepEqual(await closed, { code: 4000, reason: ' two  spaces ', wasClean: true });
  });
});

describe('a close request the server may not carry out is refused, and the connection stays open', () => {
  const refused = {
    'close 1005': /1005 may not be sent in a close frame: it is LOCAL_ONLY/,
    'close 1006 died': /1006 may not be sent in a close frame: it is LOCAL_ONLY/,
    'close 1015': /1015 may not be sent in a close frame: it is LOCAL_ONLY/,
    'close 999': /999 may not be sent in a close frame: it is OUT_OF_RANGE/,
    'close 1004': /1004 may not be sent in a close frame: it is RESERVED/,
    'close 2999': /2999 may not be sent in a close frame: it is RESERVED/,
    'close 5000': /5000 may not be sent in a close frame: it is OUT_OF_RANGE/,
    'close 66536': /66536 may not be sent in a close frame: it is OUT_OF_RANGE/,
    'close abc': /"abc" is not a status code/,
    'close': /missing status code/,
    [`close 1000 ${'r'.repeat(124)}`]: /close reason too long: 124 bytes \(expected: <= 123\)/,
    [`close 4000 ${'€'.repeat(41)}!`]: /close reason too long: 124 bytes \(expected: <= 123\)/,
  };
  for (const [command, explanation] of Object.entries(refused)) {
    test(command.length > 30 ? `${command.slice(0, 30)}… (${Buffer.byteLength(command) - 11}-byte reason)` : command, async () => {
      const ws = await connect(PLAYGROUND);
      const closed = closeEvent(ws);
      ws.send(command);
      const reply = (await nextMessage(ws)).data.toString();
      assert.match(reply, /^error: /);
      assert.match(reply, explanation);
      assert.match(reply, /the connection stays open$/);

      ws.send('still open?');
      assert.equal((await nextMessage(ws)).data.toString(), 'still open?');
      ws.close(1000, 'done');
      assert.deepEqual(await closed, { code: 1000, reason: 'done', wasClean: true });
    });
  }
});
