"""FreeSWITCH Event Socket (ESL) client, inbound mode, standard library only.

The wire format (see README, "Telephony"): every message is ``Name: value`` lines
closed by an empty line; a ``Content-Length: N`` header announces N bytes of body.
TCP splits messages anywhere and packs several into one read, so the parser keeps
a buffer and counts bytes, never characters. Events are ``text/event-plain``
(URL-encoded headers inside the body, then an optional inner body) or
``text/event-json``; replies are ``command/reply`` and ``api/response`` and come
back in the order the commands were sent, with events possibly in between.

The listener process owns one :class:`EslConnection` per FreeSWITCH node: a
reader thread parses the socket and dispatches events to a callback, while any
thread may send commands and wait for their replies.
"""

import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Mapping
from urllib.parse import unquote

_logger = logging.getLogger(__name__)

# FreeSWITCH's biggest events are tens of kilobytes; a bigger claim is a broken
# or hostile peer, and honouring it would let it make us buffer without limit.
MAX_BODY_BYTES = 16 * 1024 * 1024
# Outer header blocks are two or three lines; this only bounds resynchronisation.
MAX_HEADER_BYTES = 64 * 1024
EVENT_TYPES = frozenset({"text/event-plain", "text/event-json"})
REPLY_TYPES = frozenset({"command/reply", "api/response"})
# Twelve digits is already far above MAX_BODY_BYTES; int() refuses very long
# digit strings with an exception, so they must not reach it.
_MAX_LENGTH_DIGITS = 12


class EslError(Exception):
    """Any failure of the Event Socket client."""


class EslAuthError(EslError):
    """FreeSWITCH refused the password."""


class EslCommandError(EslError):
    """FreeSWITCH answered a command with ``-ERR ...``."""

    def __init__(self, reply_text, reply=None):
        super().__init__(reply_text)
        self.reply_text = reply_text
        self.reply = reply


class EslTimeout(EslError, TimeoutError):
    """No answer within the timeout."""


class EslConnectionLost(EslError, ConnectionError):
    """The connection ended before the answer came."""


class EslMessage:
    """One outer ESL message: its headers and its body decoded from UTF-8."""

    __slots__ = ("headers", "body")

    def __init__(self, headers, body=""):
        self.headers = headers
        self.body = body

    @property
    def content_type(self):
        return self.headers.get("Content-Type")

    def __repr__(self):
        return f"<EslMessage {self.content_type} body={len(self.body)} chars>"


class EslEvent(Mapping):
    """A FreeSWITCH event: a read-only mapping of header name to value.

    The event's own body (a BACKGROUND_JOB result, for instance) is ``body``,
    not a header.
    """

    __slots__ = ("_headers", "_body")

    def __init__(self, headers, body=""):
        self._headers = headers
        self._body = body

    def __getitem__(self, name):
        return self._headers[name]

    # Mapping's own get() and "in" go through __getitem__ and KeyError: the
    # listener asks for headers often enough to want the dict's.
    def get(self, name, default=None):
        return self._headers.get(name, default)

    def __contains__(self, name):
        return name in self._headers

    def __iter__(self):
        return iter(self._headers)

    def __len__(self):
        return len(self._headers)

    def __repr__(self):
        return f"<EslEvent {self.name} {self.subclass or ''} {self.unique_id or ''}>"

    @property
    def name(self):
        return self._headers.get("Event-Name")

    @property
    def subclass(self):
        return self._headers.get("Event-Subclass") or None

    @property
    def unique_id(self):
        return self._headers.get("Unique-ID")

    @property
    def body(self):
        return self._body

    @property
    def timestamp(self):
        """Event-Date-Timestamp in microseconds since the epoch, or None."""
        return _parse_length(self._headers.get("Event-Date-Timestamp") or "", 20)


def _parse_length(value, max_digits=_MAX_LENGTH_DIGITS):
    """The non-negative integer written in ASCII digits in ``value``, else None."""
    if value.isdigit() and value.isascii() and len(value) <= max_digits:
        return int(value)
    return None


class EslParser:
    """Cuts a byte stream into :class:`EslMessage` objects.

    Never raises on its input: a malformed frame is logged, counted in
    ``malformed`` and skipped up to the next empty line, where parsing resumes.
    """

    def __init__(self, max_body=MAX_BODY_BYTES, max_header=MAX_HEADER_BYTES):
        self.max_body = max_body
        self.max_header = max_header
        self.malformed = 0
        self._buffer = bytearray()
        # Where the search for the empty line resumes, so that a message fed
        # byte by byte is not scanned again from its start at every byte.
        self._scan = 0
        # Headers of a frame whose body has not fully arrived, and its length.
        self._headers = None
        self._length = 0
        # Discarding an oversized header block up to the next empty line.
        self._skipping = False

    def feed(self, data):
        """Add received bytes; return the messages they complete, in order."""
        buffer = self._buffer
        buffer += data
        messages = []
        pos = 0
        size = len(buffer)
        while pos < size:
            if self._headers is not None:
                end = pos + self._length
                if end > size:
                    break
                message = self._complete(buffer, pos, end)
                pos = end
                if message is not None:
                    messages.append(message)
                continue
            if not self._skipping and buffer[pos] == 10:
                pos += 1  # newlines between frames are not a frame
                continue
            end = buffer.find(b"\n\n", max(pos, self._scan))
            if end < 0:
                # Resume the search at the last byte: it may start the "\n\n".
                self._scan = size - 1
                if not self._skipping and size - pos > self.max_header:
                    self._reject("no end of headers", size - pos)
                    self._skipping = True
                if self._skipping:
                    pos = size - 1
                break
            self._scan = 0
            start, pos = pos, end + 2
            if self._skipping:
                self._skipping = False
                continue
            if end - start > self.max_header:
                self._reject("headers too long", end - start)
                continue
            headers = self._parse_headers(buffer, start, end)
            if headers is not None:
                message = self._start_body(headers, end - start)
                if message is not None:
                    messages.append(message)
        if pos:
            del buffer[:pos]
            self._scan = max(0, self._scan - pos)
        return messages

    def finish(self):
        """The stream ended: count a frame left incomplete as malformed."""
        incomplete = self._headers is not None or bool(
            self._buffer.strip(b"\n") and not self._skipping
        )
        if incomplete:
            self._reject("truncated by the end of the stream", len(self._buffer))
        self._buffer.clear()
        self._headers = None
        self._scan = 0
        self._skipping = False

    def _start_body(self, headers, size):
        """The message when it has no body; else remember its length, None."""
        length = headers.get("Content-Length")
        if length is None:
            return self._message(headers, "", size)
        body_size = _parse_length(length)
        if body_size is None and not (length.isascii() and length.isdigit()):
            self._reject("Content-Length not a number", size)
        elif body_size is None or body_size > self.max_body:
            self._reject("Content-Length over the limit", size)
        else:
            self._headers = headers
            self._length = body_size
        return None

    def _complete(self, buffer, start, end):
        headers = self._headers
        self._headers = None
        try:
            body = buffer[start:end].decode()
        except UnicodeDecodeError:
            self._reject("body is not UTF-8", end - start)
            return None
        return self._message(headers, body, end - start)

    def _message(self, headers, body, size):
        if "Content-Type" not in headers:
            self._reject("no Content-Type", size)
            return None
        return EslMessage(headers, body)

    def _parse_headers(self, buffer, start, end):
        try:
            text = buffer[start:end].decode()
        except UnicodeDecodeError:
            self._reject("headers are not UTF-8", end - start)
            return None
        headers = {}
        for line in text.split("\n"):
            name, sep, value = line.partition(": ")
            if not sep or not name:
                self._reject("header line without ': '", end - start)
                return None
            headers[name] = value
        return headers

    def _reject(self, reason, size):
        # Never the frame itself: it may carry channel variables or secrets.
        self.malformed += 1
        _logger.warning("ESL: skipped a malformed frame (%s, %d bytes)", reason, size)


class _MalformedEvent(ValueError):
    pass


def parse_event(message):
    """The :class:`EslEvent` in ``message``, or None.

    None when the message is not an event, or (logged with a warning) when its
    event is malformed; :class:`EslConnection` counts the latter in
    ``malformed``.
    """
    content_type = message.content_type
    try:
        if content_type == "text/event-plain":
            headers, body = _parse_plain(message.body)
        elif content_type == "text/event-json":
            headers, body = _parse_json(message.body)
        else:
            return None
        if not headers.get("Event-Name"):
            raise _MalformedEvent("no Event-Name")
    except _MalformedEvent as error:
        _logger.warning("ESL: skipped a malformed %s event (%s)", content_type, error)
        return None
    return EslEvent(headers, body)


def _parse_plain(text):
    head, _sep, rest = text.partition("\n\n")
    headers = {}
    for line in head.split("\n"):
        name, sep, value = line.partition(": ")
        if not sep or not name:
            if not line:
                continue
            raise _MalformedEvent("header line without ': '")
        # unquote, not unquote_plus: FreeSWITCH sends "+" as %2B, and a literal
        # "+" is a plus. A broken %-sequence becomes U+FFFD rather than losing
        # the whole event (a hangup matters more than one character of a name).
        headers[name] = unquote(value, errors="replace") if "%" in value else value
    length = headers.get("Content-Length")
    if length is None:
        return headers, ""
    size = _parse_length(length)
    if size is None:
        raise _MalformedEvent("inner Content-Length not a number")
    # The inner length counts bytes; the text is ASCII nearly always.
    if rest.isascii():
        if len(rest) < size:
            raise _MalformedEvent("body shorter than its Content-Length")
        return headers, rest[:size]
    raw = rest.encode()
    if len(raw) < size:
        raise _MalformedEvent("body shorter than its Content-Length")
    try:
        return headers, raw[:size].decode()
    except UnicodeDecodeError as error:
        raise _MalformedEvent("Content-Length cuts a character") from error


def _parse_json(text):
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _MalformedEvent("not JSON") from error
    if not isinstance(data, dict):
        raise _MalformedEvent("not a JSON object")
    body = data.pop("_body", "")
    if not isinstance(body, str) or not set(map(type, data.values())) <= {str}:
        raise _MalformedEvent("a value is not a string")
    return data, body


class _Request:
    """A command waiting for its reply."""

    __slots__ = ("done", "reply", "error")

    def __init__(self):
        self.done = threading.Event()
        self.reply = None
        self.error = None

    def resolve(self, reply):
        self.reply = reply
        self.done.set()

    def fail(self, error):
        self.error = error
        self.done.set()


class EslConnection:
    """One inbound Event Socket connection to a FreeSWITCH node.

    ``on_event(event)`` and ``on_disconnect(reason)`` run in the reader thread:
    keep them short (hand events to a queue), since FreeSWITCH drops a client
    that falls 500 events behind, and do not wait for replies from them.
    ``on_disconnect`` is called exactly once after a successful ``connect()``,
    whatever ends the connection, with the reason: "closed by client" (after
    ``close()``), "disconnect notice", "closed by FreeSWITCH" (end of stream),
    "connection error: ...", "send failed: ..." or "reader failed". To
    reconnect, create a new connection.
    """

    recv_size = 65536

    def __init__(
        self,
        host,
        port,
        password,
        *,
        timeout=5.0,
        on_event=None,
        on_disconnect=None,
    ):
        if "\n" in password or "\r" in password:
            raise ValueError("an Event Socket password cannot hold a line break")
        self.host = host
        self.port = port
        self._password = password
        self.timeout = timeout
        self.on_event = on_event
        self.on_disconnect = on_disconnect
        self.malformed_events = 0
        self._parser = EslParser()
        self._sock = None
        self._reader = None
        self._handshake = deque()
        self._pending = deque()
        # Held while sending a command and queueing its request, so that the
        # queue stays in the order FreeSWITCH will answer in.
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._end_reason = None
        self._closing = False

    def __repr__(self):
        return f"<EslConnection {self.address} connected={self.connected}>"

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc_info):
        self.close()

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    @property
    def connected(self):
        return (
            self._reader is not None and self._end_reason is None and not self._closing
        )

    @property
    def malformed(self):
        """Frames and events skipped as malformed on this connection."""
        return self._parser.malformed + self.malformed_events

    def connect(self):
        """Connect, authenticate and start the reader thread."""
        if self._reader is not None or self._closing:
            raise EslError("a connection connects once; create a new EslConnection")
        self._parser = EslParser()
        self._handshake.clear()
        try:
            sock = socket.create_connection((self.host, self.port), self.timeout)
        except TimeoutError as error:
            raise EslTimeout(f"connecting to {self.address} timed out") from error
        except OSError as error:
            raise EslError(f"cannot connect to {self.address}: {error}") from error
        self._sock = sock
        try:
            _tune_socket(sock)
            self._authenticate()
        except BaseException as error:
            self._sock = None
            sock.close()
            if isinstance(error, OSError) and not isinstance(error, EslError):
                raise EslConnectionLost(f"{self.address}: {error}") from error
            raise
        sock.settimeout(self.timeout)
        self._reader = threading.Thread(
            target=self._read_loop, name=f"esl-reader-{self.address}", daemon=True
        )
        self._reader.start()

    def command(self, line, timeout=None):
        """Send a command; return its Reply-Text (``-ERR`` raises)."""
        reply = self._request(_frame(line), timeout)
        text = reply.headers.get("Reply-Text", "")
        if text.startswith("-ERR"):
            raise EslCommandError(text, reply)
        return text

    def subscribe(self, names, custom=(), fmt="plain"):
        """``event <fmt> NAMES... CUSTOM subclass...``; return the Reply-Text."""
        if fmt not in ("plain", "json"):
            raise ValueError(f"unknown event format {fmt!r}")
        names = names.split() if isinstance(names, str) else list(names)
        custom = custom.split() if isinstance(custom, str) else list(custom)
        # Every word after CUSTOM is read as a subclass, so CUSTOM goes last.
        words = [name for name in names if name != "CUSTOM"]
        if custom:
            words += ["CUSTOM", *custom]
        elif "CUSTOM" in names:
            words.append("CUSTOM")
        if not words:
            raise ValueError("subscribe to at least one event")
        return self.command(" ".join(["event", fmt, *words]))

    def api(self, cmd, timeout=None):
        """Run ``api <cmd>`` (blocks FreeSWITCH's side of this connection)."""
        reply = self._request(_frame(f"api {cmd}"), timeout)
        if reply.content_type == "command/reply":
            text = reply.headers.get("Reply-Text", "")
            if text.startswith("-ERR"):
                raise EslCommandError(text, reply)
        return reply.body

    def bgapi(self, cmd, job_uuid=None, timeout=None):
        """Run ``bgapi <cmd>``; return the Job-UUID of its BACKGROUND_JOB event."""
        headers = {"Job-UUID": job_uuid} if job_uuid else {}
        reply = self._request(_frame(f"bgapi {cmd}", headers), timeout)
        text = reply.headers.get("Reply-Text", "")
        if text.startswith("-ERR"):
            raise EslCommandError(text, reply)
        uuid = reply.headers.get("Job-UUID") or text.partition("Job-UUID: ")[2]
        if not uuid:
            raise EslError(f"bgapi reply without a Job-UUID from {self.address}")
        return uuid

    def close(self):
        """Say ``exit``, close the socket and join the reader. Idempotent."""
        with self._state_lock:
            already = self._closing
            self._closing = True
        reader = self._reader
        if reader is None:
            if self._sock is not None:
                self._sock.close()
            return
        in_reader = threading.current_thread() is reader
        grace = min(self.timeout or 1.0, 1.0)
        if not already and self._end_reason is None:
            try:
                if in_reader:
                    with self._send_lock:
                        self._sock.sendall(b"exit\n\n")
                else:
                    # FreeSWITCH answers "+OK bye", sends a disconnect notice
                    # and closes: let the reader see that end by itself.
                    self._request(b"exit\n\n", grace)
                    reader.join(grace)
            except (EslError, OSError) as error:
                _logger.debug("ESL: exit to %s failed: %s", self.address, error)
        self._abort("closed by client")
        if not in_reader:
            reader.join(self.timeout)

    def _authenticate(self):
        deadline = time.monotonic() + (self.timeout or 5.0)
        request = self._handshake_message(deadline)
        if request.content_type == "text/rude-rejection":
            raise EslError(f"{self.address} refused the connection (ACL)")
        if request.content_type != "auth/request":
            raise EslError(
                f"{self.address}: expected auth/request, got {request.content_type}"
            )
        self._sock.sendall(_frame(f"auth {self._password}"))
        reply = self._handshake_message(deadline)
        text = self._scrub(reply.headers.get("Reply-Text", ""))
        if reply.content_type == "command/reply" and text.startswith("-ERR"):
            raise EslAuthError(f"{self.address} refused the password ({text})")
        if reply.content_type != "command/reply" or not text.startswith("+OK"):
            raise EslError(f"{self.address}: unexpected answer to auth ({text})")

    def _handshake_message(self, deadline):
        while not self._handshake:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EslTimeout(f"{self.address} did not complete the handshake")
            self._sock.settimeout(remaining)
            try:
                data = self._sock.recv(self.recv_size)
            except TimeoutError as error:
                raise EslTimeout(
                    f"{self.address} did not complete the handshake"
                ) from error
            except OSError as error:
                raise EslConnectionLost(f"{self.address}: {error}") from error
            if not data:
                raise EslConnectionLost(f"{self.address} closed during the handshake")
            self._handshake.extend(self._parser.feed(data))
        return self._handshake.popleft()

    def _scrub(self, text):
        return text.replace(self._password, "***") if self._password else text

    def _request(self, payload, timeout):
        if self._reader is threading.current_thread():
            raise EslError("cannot wait for a reply in the reader thread")
        request = _Request()
        with self._send_lock:
            with self._state_lock:
                if self._reader is None or self._end_reason is not None:
                    raise EslConnectionLost(f"not connected to {self.address}")
                self._pending.append(request)
            try:
                self._sock.sendall(payload)
            except OSError as error:
                # Part of the command may have left: the stream is unusable.
                self._abort(f"send failed: {error}")
                raise EslConnectionLost(
                    f"sending to {self.address} failed: {error}"
                ) from error
        wait = self.timeout if timeout is None else timeout
        if not request.done.wait(wait):
            # The request stays queued: its late reply must still be consumed.
            raise EslTimeout(f"no reply from {self.address} within {wait} s")
        if request.error is not None:
            raise request.error
        return request.reply

    def _abort(self, reason):
        with self._state_lock:
            if self._end_reason is None:
                self._end_reason = reason
        with contextlib.suppress(OSError):  # already closed by the peer
            self._sock.shutdown(socket.SHUT_RDWR)

    def _read_loop(self):
        reason = "closed by FreeSWITCH"
        messages = list(self._handshake)
        self._handshake.clear()
        try:
            while True:
                if not self._dispatch_all(messages):
                    reason = "disconnect notice"
                    break
                if self._end_reason is not None:
                    break
                try:
                    data = self._sock.recv(self.recv_size)
                except TimeoutError:
                    messages = []  # idle; the timeout only lets us notice close()
                    continue
                except OSError as error:
                    reason = f"connection error: {error}"
                    break
                if not data:
                    if not self._closing:
                        self._parser.finish()
                    break
                messages = self._parser.feed(data)
        except Exception:
            _logger.exception("ESL: reader of %s failed", self.address)
            reason = "reader failed"
        finally:
            self._finish(reason)

    def _dispatch_all(self, messages):
        """Dispatch ``messages``; False when one of them ends the connection."""
        for message in messages:
            content_type = message.content_type
            if content_type in EVENT_TYPES:
                self._dispatch_event(message)
            elif content_type in REPLY_TYPES:
                with self._state_lock:
                    request = self._pending.popleft() if self._pending else None
                if request is None:
                    _logger.warning(
                        "ESL: %s from %s with no command waiting",
                        content_type,
                        self.address,
                    )
                else:
                    request.resolve(message)
            elif content_type in ("text/disconnect-notice", "text/rude-rejection"):
                return False
            else:
                _logger.debug("ESL: ignored a %s message", content_type)
        return True

    def _dispatch_event(self, message):
        event = parse_event(message)
        if event is None:
            self.malformed_events += 1
            return
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:
            _logger.exception("ESL: the handler of %s events failed", event.name)

    def _finish(self, reason):
        with self._state_lock:
            if self._closing:
                reason = "closed by client"
            elif self._end_reason is not None:
                reason = self._end_reason
            self._end_reason = reason
            pending = list(self._pending)
            self._pending.clear()
        for request in pending:
            request.fail(EslConnectionLost(f"{self.address}: {reason}"))
        with contextlib.suppress(OSError):
            self._sock.close()
        _logger.debug("ESL: connection to %s ended: %s", self.address, reason)
        if self.on_disconnect is not None:
            try:
                self.on_disconnect(reason)
            except Exception:
                _logger.exception("ESL: the disconnect handler failed")


def _frame(line, headers=None):
    """A command as bytes; line breaks inside would smuggle in other commands."""
    parts = [line, *(f"{name}: {value}" for name, value in (headers or {}).items())]
    if any("\n" in part or "\r" in part for part in parts):
        raise ValueError("an ESL command cannot hold a line break")
    return ("\n".join(parts) + "\n\n").encode()


def _tune_socket(sock):
    # Commands are small and answered at once: do not let Nagle hold them.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Notice a node that vanished without closing (power loss, network cut).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10)):
        if hasattr(socket, option):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    if hasattr(socket, "TCP_KEEPCNT"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


def backoff_delays(initial=1.0, maximum=60.0, rng=None):
    """Reconnection delays in seconds: doubling up to ``maximum``, with jitter.

    Each delay is drawn between half and all of the current step, so that
    listeners restarted together do not hammer a node in step.
    """
    if initial <= 0 or maximum < initial:
        raise ValueError("need 0 < initial <= maximum")
    rng = rng or random
    step = initial
    while True:
        yield rng.uniform(step / 2, step)
        step = min(step * 2, maximum)
