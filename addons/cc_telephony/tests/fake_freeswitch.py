"""A FreeSWITCH stand-in answering Event Socket commands over a real socket.

Where a test needs FreeSWITCH to answer Odoo's commands (click-to-dial, agent
status, the connection test) rather than to replay a recorded session, this
server speaks the same framing FreeSWITCH 1.10 does (see fixtures/esl/): an
auth/request on connection, command/reply to auth, event and bgapi,
api/response with a Content-Length body to api. What ``api`` answers is up to
the test (``replies``: the longest matching command prefix wins). Every
command is kept in ``commands``, the password masked.

Standard library only, so that the benchmarks can load it outside Odoo.
"""

import contextlib
import socket
import threading
import uuid


class FakeFreeSwitch:
    def __init__(self, password, replies=None, timeout=5.0):
        self.password = password
        self.replies = dict(replies or {})
        self.timeout = timeout
        self.commands = []
        self.errors = []
        self._lock = threading.Lock()
        self._threads = []
        self._connections = []
        self._stopping = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.address = self._listener.getsockname()[:2]
        self._acceptor = threading.Thread(
            target=self._accept, name="fake-freeswitch", daemon=True
        )

    @property
    def host(self):
        return self.address[0]

    @property
    def port(self):
        return self.address[1]

    def __enter__(self):
        self._acceptor.start()
        return self

    def __exit__(self, *exc_info):
        self._stopping = True
        self._acceptor.join(self.timeout)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(self.timeout)
        self._listener.close()

    def api_commands(self):
        return [c[4:] for c in self.commands if c.startswith("api ")]

    def _accept(self):
        while not self._stopping:
            try:
                conn, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _reply(self, command):
        best = None
        for prefix in self.replies:
            if command.startswith(prefix) and (best is None or len(prefix) > len(best)):
                best = prefix
        if best is None:
            return "-ERR no reply configured\n"
        reply = self.replies[best]
        return reply(command) if callable(reply) else reply

    def _serve(self, conn):
        with conn:
            conn.settimeout(self.timeout)
            try:
                conn.sendall(b"Content-Type: auth/request\n\n")
                incoming = bytearray()
                while True:
                    while b"\n\n" not in incoming:
                        data = conn.recv(65536)
                        if not data:
                            return
                        incoming += data
                    end = incoming.index(b"\n\n")
                    block = incoming[:end].decode()
                    del incoming[: end + 2]
                    if not self._answer(conn, block):
                        return
            except OSError as error:
                if not self._stopping:
                    self.errors.append(f"connection error: {error}")

    def _answer(self, conn, block):
        command, _newline, headers = block.partition("\n")
        if command.startswith("auth "):
            self.commands.append("auth ***")
            if command[5:] != self.password:
                conn.sendall(
                    b"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n"
                    b"Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
                    b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
                )
                return False
            conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
            return True
        self.commands.append(command)
        if command.startswith("event "):
            fmt = command.split()[1]
            conn.sendall(
                b"Content-Type: command/reply\n"
                b"Reply-Text: +OK event listener enabled %s\n\n" % fmt.encode()
            )
        elif command.startswith("api "):
            body = self._reply(command[4:]).encode()
            conn.sendall(
                b"Content-Type: api/response\nContent-Length: %d\n\n%s"
                % (len(body), body)
            )
        elif command.startswith("bgapi "):
            job = ""
            for line in headers.splitlines():
                name, _colon, value = line.partition(": ")
                if name == "Job-UUID":
                    job = value
            job = job or str(uuid.uuid4())
            reply = self._reply("bgapi " + command[6:])
            if reply.startswith("-ERR"):
                text = reply.strip().encode()
                conn.sendall(b"Content-Type: command/reply\nReply-Text: %s\n\n" % text)
            else:
                conn.sendall(
                    b"Content-Type: command/reply\nReply-Text: +OK Job-UUID: %s\n"
                    b"Job-UUID: %s\n\n" % (job.encode(), job.encode())
                )
        elif command == "exit":
            conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK bye\n\n")
            return False
        else:
            conn.sendall(
                b"Content-Type: command/reply\nReply-Text: -ERR command not found\n\n"
            )
        return True
