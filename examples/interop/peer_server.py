"""A Python websockets server for the Java client's interop tests (ClientAgainstPythonWebsocketsTest, run by .ci/run through PeerServer).

Debian's python3-websockets (10.4, the legacy asyncio implementation): on 127.0.0.1, a free port,
path /ws, permessage-deflate accepted when offered (its default). It prints
"listening on ws://127.0.0.1:PORT/ws" once, then one line per connection when its TCP connection
has closed:
  closed code=CODE clean=true|false tcp=server|client extensions=NAMES reason=PERCENT-ENCODED
(code and reason as websockets reports them, 1005 for an empty close; clean: both close frames
crossed; tcp: which end sent its FIN first, from the server's transport; extensions: the ones
agreed, or "none").

Scripted as the Java tests' own server is: the text message "close CODE REASON" makes it close
with that code and reason, "close 1005" with an empty close frame; every other message is echoed,
and a close from the client is answered by websockets itself.
"""

import asyncio
import re
import signal
import sys
import time
import urllib.parse

from websockets.exceptions import ConnectionClosed
from websockets.frames import Close
from websockets.legacy.server import WebSocketServerProtocol, serve

CLOSE = re.compile(r"close (\d+)(?: (.*))?", re.DOTALL)


class Peer(WebSocketServerProtocol):
    """Records when each end sent its FIN: the client's arrives in eof_received, ours leaves in write_eof."""

    peer_fin = None
    own_fin = None

    def connection_made(self, transport):
        super().connection_made(transport)
        write_eof = transport.write_eof

        def recorded_write_eof():
            if self.own_fin is None:
                self.own_fin = time.monotonic_ns()
            write_eof()

        transport.write_eof = recorded_write_eof

    def eof_received(self):
        if self.peer_fin is None:
            self.peer_fin = time.monotonic_ns()
        return super().eof_received()


async def handler(ws):
    try:
        async for message in ws:
            command = CLOSE.fullmatch(message) if isinstance(message, str) else None
            if command is None:
                await ws.send(message)
            elif command.group(1) == "1005":
                await ws.write_close_frame(Close(1005, ""), b"")  # no code: an empty close frame
            else:
                await ws.close(int(command.group(1)), command.group(2) or "")
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    server_first = ws.own_fin is not None and (ws.peer_fin is None or ws.own_fin <= ws.peer_fin)
    clean = ws.close_rcvd is not None and ws.close_sent is not None
    extensions = ",".join(extension.name for extension in ws.extensions) or "none"
    print(f"closed code={ws.close_code} clean={str(clean).lower()} tcp={'server' if server_first else 'client'}"
          f" extensions={extensions} reason={urllib.parse.quote(ws.close_reason or '', safe='')}", flush=True)


async def main():
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(handler, "127.0.0.1", 0, create_protocol=Peer) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}/ws", flush=True)
        await stop


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
