"""Replays a recorded FreeSWITCH Event Socket session over a real TCP socket.

A recording (``fixtures/esl/*.raw.txt``) is a list of blocks
``===== RECV|SEND <time> (<n> bytes) =====`` each followed by exactly n bytes:
RECV is what FreeSWITCH sent, SEND what the client sent. :class:`ReplayServer`
plays FreeSWITCH's part to one client: it sends the RECV chunks in order and, at
each SEND, waits for the client's command and compares it with the recorded
one. A mismatch, a timeout or a connection error ends the replay and is kept in
``errors``, which :meth:`ReplayServer.check` turns into a test failure: the
replay never hangs a test.

Standard library only, so that the benchmark can load it outside Odoo.
"""

import random
import re
import socket
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

_BLOCK = re.compile(rb"\n===== (RECV|SEND) [^ ]+ \((\d+) bytes\) =====\n")

# Ways of cutting what the server sends.
RECORDED = "recorded"  # each RECV chunk in one send, as FreeSWITCH did
BYTES = "bytes"  # every byte in its own send
RANDOM = "random"  # random sizes from 1 to max_piece bytes
COALESCE = "coalesce"  # all RECV chunks between two commands in one send


@dataclass(frozen=True)
class Chunk:
    kind: str  # "RECV" (FreeSWITCH to client) or "SEND" (client to FreeSWITCH)
    data: bytes

    @property
    def line(self):
        """The first line, for SEND chunks the command itself."""
        return self.data.split(b"\n", 1)[0].decode()


def parse_recording(source):
    """The chunks of a recording: a path, or its bytes."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    chunks = []
    pos = 0
    while data[pos:].strip(b"\n"):
        match = _BLOCK.match(data, pos)
        if match is None:
            raise ValueError(f"no ===== RECV/SEND block at byte {pos}")
        start = match.end()
        end = start + int(match.group(2))
        if end > len(data):
            raise ValueError(f"block at byte {pos} is cut short")
        chunks.append(Chunk(match.group(1).decode(), data[start:end]))
        pos = end
    return chunks


def received_bytes(chunks):
    """Everything FreeSWITCH sent, as one byte string."""
    return b"".join(chunk.data for chunk in chunks if chunk.kind == "RECV")


def find_chunk(chunks, needle, kind="RECV", start=0):
    """Index of the first ``kind`` chunk from ``start`` that contains ``needle``."""
    for index in range(start, len(chunks)):
        if chunks[index].kind == kind and needle in chunks[index].data:
            return index
    raise ValueError(f"no {kind} chunk holds {needle!r}")


def _describe(command):
    if command.startswith(b"auth "):
        return "auth <password>"
    return repr(command[:120])


class ReplayServer:
    """Plays ``chunks`` to the first client connecting to ``address``.

    - ``chunking``: RECORDED, BYTES, RANDOM (seeded by ``seed``) or COALESCE;
    - ``inject``: ``{index: bytes}``, extra bytes sent just before
      ``chunks[index]`` (``len(chunks)``: after the last one), e.g. malformed
      frames;
    - ``close_at``: ``index`` or ``(index, offset)``: send the first ``offset``
      bytes of ``chunks[index]`` (none by default), then close the connection;
      ``reset=True`` closes with a TCP reset instead of an orderly end;
    - ``hold_at``: before ``chunks[hold_at]``, wait for :meth:`release`;
    - ``then``: scripts played, as recorded, to the clients connecting next
      (a client reconnecting after ``close_at``, say).

    At the end of the script the server closes its side and waits for the
    client to close; every wait is bounded by ``timeout`` seconds.
    """

    def __init__(
        self,
        chunks,
        *,
        chunking=RECORDED,
        seed=0,
        max_piece=2048,
        inject=None,
        close_at=None,
        reset=False,
        hold_at=None,
        then=(),
        timeout=5.0,
    ):
        if chunking not in (RECORDED, BYTES, RANDOM, COALESCE):
            raise ValueError(f"unknown chunking {chunking!r}")
        self.chunks = list(chunks)
        self.chunking = chunking
        self.max_piece = max_piece
        self.inject = dict(inject or {})
        if isinstance(close_at, int):
            close_at = (close_at, 0)
        self.close_at = close_at
        self.reset = reset
        self.hold_at = hold_at
        self.then = [list(script) for script in then]
        self.sessions = 0  # the clients served so far
        self.timeout = timeout
        self.errors = []
        self.commands = []  # the command blocks received, in order
        self._random = random.Random(seed)
        self._released = threading.Event()
        self._received = threading.Condition()
        self._outgoing = bytearray()
        self._index = 0
        self._incoming = bytearray()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(timeout)
        self.address = self._listener.getsockname()[:2]
        self._thread = threading.Thread(
            target=self._run, name="esl-replay", daemon=True
        )

    @property
    def host(self):
        return self.address[0]

    @property
    def port(self):
        return self.address[1]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        self._thread.start()
        return self

    def release(self):
        """Let a replay waiting at ``hold_at`` go on."""
        self._released.set()

    def wait_commands(self, count):
        """Wait until ``count`` commands have arrived; False on timeout."""
        with self._received:
            return self._received.wait_for(
                lambda: len(self.commands) >= count, self.timeout
            )

    def stop(self):
        """Wait for the replay to end (at most ``timeout``)."""
        self._released.set()
        if self._thread.is_alive():
            self._thread.join(self.timeout * 2)
        if self._thread.is_alive():
            self.errors.append("the replay did not end")
        self._listener.close()

    def check(self):
        """Stop, then fail the calling test with every error of the replay."""
        self.stop()
        if self.errors:
            raise AssertionError("ESL replay: " + "; ".join(self.errors))

    def _run(self):
        try:
            if not self._session():
                return
            for script in self.then:
                self.chunks = script
                self.inject, self.close_at, self.hold_at = {}, None, None
                self._incoming.clear()
                if not self._session():
                    return
        finally:
            self._listener.close()

    def _session(self):
        try:
            conn, _address = self._listener.accept()
        except OSError as error:
            self.errors.append(f"no client connected: {error}")
            return False
        self.sessions += 1
        with conn:
            conn.settimeout(self.timeout)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                if self._play(conn):
                    self._end(conn)
            except OSError as error:
                self.errors.append(f"connection error at chunk {self._index}: {error}")
        return True

    def _play(self, conn):
        """Play the script; False when it closed the connection itself."""
        for index, chunk in enumerate(self.chunks):
            self._index = index
            if index == self.hold_at:
                self._flush(conn)
                if not self._released.wait(self.timeout):
                    self.errors.append(f"not released at chunk {index}")
                    return True
            if index in self.inject:
                self._queue(conn, self.inject[index])
            if self.close_at and self.close_at[0] == index:
                self._queue(conn, chunk.data[: self.close_at[1]])
                self._flush(conn)
                self._close_abruptly(conn)
                return False
            if chunk.kind == "RECV":
                self._queue(conn, chunk.data)
            else:
                self._flush(conn)
                if not self._expect(conn, chunk.data):
                    return True
        if len(self.chunks) in self.inject:
            self._queue(conn, self.inject[len(self.chunks)])
        self._flush(conn)
        return True

    def _queue(self, conn, data):
        if self.chunking == COALESCE:
            self._outgoing += data
        else:
            self._send(conn, data)

    def _flush(self, conn):
        if self._outgoing:
            conn.sendall(self._outgoing)
            self._outgoing.clear()

    def _send(self, conn, data):
        if self.chunking == BYTES:
            for pos in range(len(data)):
                conn.sendall(data[pos : pos + 1])
        elif self.chunking == RANDOM:
            pos = 0
            while pos < len(data):
                size = self._random.randint(1, self.max_piece)
                conn.sendall(data[pos : pos + size])
                pos += size
        elif data:
            conn.sendall(data)

    def _expect(self, conn, expected):
        """Read the client's next command; True when it is ``expected``."""
        while b"\n\n" not in self._incoming:
            try:
                data = conn.recv(65536)
            except TimeoutError:
                self.errors.append(f"timed out waiting for {_describe(expected)}")
                return False
            if not data:
                self.errors.append(f"client closed instead of {_describe(expected)}")
                return False
            self._incoming += data
        end = self._incoming.index(b"\n\n") + 2
        command = bytes(self._incoming[:end])
        del self._incoming[:end]
        with self._received:
            self.commands.append(command)
            self._received.notify_all()
        if command != expected:
            self.errors.append(
                f"expected {_describe(expected)}, got {_describe(command)}"
            )
            return False
        return True

    def _end(self, conn):
        """Close our side, then wait for the client to close its own."""
        try:
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                continue
        except TimeoutError:
            self.errors.append("client did not close after the end of the replay")
        except OSError:
            return  # the client closed first, with a reset: fine at the end

    def _close_abruptly(self, conn):
        if self.reset:
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        conn.close()


class EchoServer:
    """A minimal FreeSWITCH stand-in for concurrency tests.

    Accepts one client, takes any password, then answers every ``api X`` with an
    ``api/response`` whose body is ``X``, each preceded by a HEARTBEAT event, so
    that a client matching replies in the wrong order gets someone else's body.
    """

    def __init__(self, timeout=5.0):
        self.timeout = timeout
        self.errors = []
        self.count = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(timeout)
        self.address = self._listener.getsockname()[:2]
        self._thread = threading.Thread(target=self._run, name="esl-echo", daemon=True)

    @property
    def host(self):
        return self.address[0]

    @property
    def port(self):
        return self.address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._thread.join(self.timeout * 2)
        if self._thread.is_alive():
            self.errors.append("the echo server did not end")
        self._listener.close()

    def _run(self):
        try:
            conn, _address = self._listener.accept()
        except OSError as error:
            self.errors.append(f"no client connected: {error}")
            return
        with conn:
            conn.settimeout(self.timeout)
            try:
                self._serve(conn)
            except OSError as error:
                self.errors.append(f"connection error: {error}")

    def _serve(self, conn):
        conn.sendall(b"Content-Type: auth/request\n\n")
        incoming = bytearray()
        while True:
            while b"\n\n" not in incoming:
                data = conn.recv(65536)
                if not data:
                    return
                incoming += data
            end = incoming.index(b"\n\n")
            command = incoming[:end].decode()
            del incoming[: end + 2]
            if command.startswith("auth "):
                conn.sendall(
                    b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
                )
            elif command.startswith("api "):
                self.count += 1
                event = f"Event-Name: HEARTBEAT\nEvent-Sequence: {self.count}\n\n"
                body = command[4:].encode()
                conn.sendall(
                    b"Content-Length: %d\nContent-Type: text/event-plain\n\n%s"
                    b"Content-Type: api/response\nContent-Length: %d\n\n%s"
                    % (len(event), event.encode(), len(body), body)
                )
            elif command == "exit":
                conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK bye\n\n")
                return
            else:
                self.errors.append(f"unexpected command {command[:40]!r}")
                return
