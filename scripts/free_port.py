"""Print the first TCP port on 127.0.0.1 from argv[1] on that nothing listens on."""

import socket
import sys

start = int(sys.argv[1])
for port in range(start, start + 200):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    sys.exit("no free port")
