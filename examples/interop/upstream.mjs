// An upstream WebSocket server on Node's ws, for the relay test (relay.test.mjs): run as
// `node upstream.mjs [--port PORT]` (default 0, a free port) on 127.0.0.1, path /ws.
//
// It echoes text and binary messages. On a connection with the subprotocol wsclose.playground,
// as the playground page asks for, the text "close CODE [REASON]" makes it send the first close
// frame with that code and reason, as the example server does; a code ws refuses is answered
// with "error: …" and the connection stays open. It prints one line when it listens,
// "upstream listening on ws://127.0.0.1:PORT/ws", and one JSON line per connection event:
//   {"event":"open","id":1,"protocol":"wsclose.playground","forwardedFor":"127.0.0.1"}
//   {"event":"close","id":1,"code":4001,"reason":"kicked"}
// where close is what ws reports: 1005 for an empty close frame, 1006 for none.
import { WebSocketServer } from 'ws';
import { PLAYGROUND } from './server.mjs';

const portFlag = process.argv.indexOf('--port');
const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 0;

const server = new WebSocketServer({
  host: '127.0.0.1',
  port,
  path: '/ws',
  handleProtocols: (offered) => (offered.has(PLAYGROUND) ? PLAYGROUND : false),
});

let connections = 0;
const print = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

server.on('connection', (ws, request) => {
  const id = ++connections;
  print({ event: 'open', id, protocol: ws.protocol, forwardedFor: request.headers['x-forwarded-for'] ?? null });
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (ws.protocol === PLAYGROUND && text !== null && (text === 'close' || text.startsWith('close '))) {
      const [, code, ...reason] = text.split(' ');
      try {
        ws.close(Number(code), reason.join(' '));
      } catch (error) {
        ws.send(`error: ${error.message}; the connection stays open`);
      }
      return;
    }
    ws.send(data, { binary: isBinary });
  });
  ws.on('close', (code, reason) => print({ event: 'close', id, code, reason: reason.toString() }));
});

server.on('listening', () => {
  process.stdout.write(`upstream listening on ws://127.0.0.1:${server.address().port}/ws\n`);
});
