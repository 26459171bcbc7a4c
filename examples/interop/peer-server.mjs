// A Node `ws` server for the Java client's interop tests (ClientAgainstNodeWsTest, run by .ci/run through PeerServer): on
// 127.0.0.1, a free port, path /ws, permessage-deflate accepted when offered. It prints
// "listening on ws://127.0.0.1:PORT/ws" once, then one line per connection when its TCP
// connection has closed:
//   closed code=CODE clean=true|false tcp=server|client extensions=NAMES reason=PERCENT-ENCODED
// (code and reason as ws reports them, 1005 for an empty close; clean: both close frames crossed;
// tcp: which end sent its FIN first, from the server's socket events; extensions: the ones
// agreed, or "none").
//
// Scripted as the Java tests' own server is: the text message "close CODE REASON" makes it close
// with that code and reason, "close 1005" with an empty close frame; every other message is
// echoed, and a close from the client is answered by ws itself.

import { WebSocketServer } from 'ws';

const CLOSE = /^close (\d+)(?: (.*))?$/s;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: true });

server.on('listening', () => {
  console.log(`listening on ws://127.0.0.1:${server.address().port}/ws`);
});

server.on('connection', (ws, request) => {
  const socket = request.socket;
  let peerFin = null; // when the client's FIN arrived
  let ownFin = null; // when ours was written
  socket.once('end', () => { peerFin = process.hrtime.bigint(); });
  socket.once('finish', () => { ownFin = process.hrtime.bigint(); });

  ws.on('message', (data, isBinary) => {
    const command = isBinary ? null : CLOSE.exec(data.toString());
    if (command === null) {
      ws.send(data, { binary: isBinary });
    } else if (command[1] === '1005') {
      ws.close(); // no code: an empty close frame
    } else {
      ws.close(Number(command[1]), command[2] ?? '');
    }
  });

  ws.addEventListener('close', (event) => {
    const serverFirst = ownFin !== null && (peerFin === null || ownFin <= peerFin);
    console.log(`closed code=${event.code} clean=${event.wasClean} tcp=${serverFirst ? 'server' : 'client'}`
      + ` extensions=${ws.extensions === '' ? 'none' : ws.extensions.split(';')[0]} reason=${encodeURIComponent(event.reason)}`);
  }, { once: true });
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
