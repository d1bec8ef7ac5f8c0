"""odoo-bin cc_listener: connects Odoo to every enabled FreeSWITCH node.

One thread per node keeps an Event Socket connection (inbound mode), with a
backoff between attempts; the events it receives are applied to Odoo in
short transactions (a few events at a time, each alone again if the batch
fails), so that calls, screen-pops and agent states follow FreeSWITCH within
milliseconds. The listener holds no state of its own: after any restart or
reconnection it asks FreeSWITCH which calls are live and reconciles.
"""

import argparse
import json
import logging
import queue
import signal
import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone

import psycopg2
import psycopg2.errors
from psycopg2 import sql

import odoo
from odoo.cli import Command
from odoo.tools import config

from odoo.addons.bus.models.bus import ODOO_NOTIFY_FUNCTION, get_notify_payloads

from ..models.cc_call import bus_notify, member_rows, offers_ahead
from ..tools.esl import EslAuthError, EslConnection, EslError, backoff_delays

_logger = logging.getLogger(__name__)

EVENTS = [
    "CHANNEL_CREATE",
    "CHANNEL_ANSWER",
    "CHANNEL_BRIDGE",
    "CHANNEL_HANGUP_COMPLETE",
    "BACKGROUND_JOB",
    "HEARTBEAT",
]
CUSTOM = ["callcenter::info"]
# Events applied together in one transaction, at most, and how long the
# worker waits to gather them: small enough for a screen-pop within tens of
# milliseconds, large enough for a busy hour (or the backlog after it).
BATCH_SIZE = 300
BATCH_WINDOW = 0.01
# Once a call is offered to an agent, how long the worker still waits for the
# next event: only those already coming (other calls offered at the same
# moment) go with it; and how many offers it takes at once, at most, when many
# calls ring together: the first agents' screens are told while the next
# offers are applied.
OFFER_GAP = 0.002
OFFERS_AT_ONCE = 50
# Once cards went ahead of their offers (see NodeWorker._pop_ahead), the worker
# leaves the CPU to Odoo's websocket server while it delivers them, before
# recording the offers: about this long a card (what the server takes to
# deliver one, on a small machine), at most YIELD_MAX; cut short when another
# call is offered.
YIELD_PER_CARD = 0.002
YIELD_MAX = 0.1
# How often the node's health (last event) is written, at most.
HEALTH_EVERY = 5.0
# How often the list of enabled nodes is read again.
NODES_EVERY = 30.0


class KnownCalls(OrderedDict):
    """The Unique-IDs of the calls a worker has seen lately (the most recent
    ``limit``): enough to tell a call's events from those of other legs."""

    def __init__(self, limit=20000):
        super().__init__()
        self.limit = limit

    def add(self, unique_id):
        self[unique_id] = True
        self.move_to_end(unique_id)
        while len(self) > self.limit:
            self.popitem(last=False)


# PostgreSQL restarting or the connection lost (libpq's own errors carry no
# SQLSTATE: they are plain OperationalErrors).
DATABASE_AWAY = (
    psycopg2.InterfaceError,
    psycopg2.errors.AdminShutdown,
    psycopg2.errors.CrashShutdown,
    psycopg2.errors.CannotConnectNow,
)
# Transactions to try again a few times (serialization, deadlock, lock).
TRY_AGAIN = (psycopg2.errors.TransactionRollbackError, psycopg2.errors.LockNotAvailable)
CONFLICT_TRIES = 5


def database_away(error):
    return isinstance(error, DATABASE_AWAY) or type(error) is psycopg2.OperationalError


class NodeWorker(threading.Thread):
    """Keeps one FreeSWITCH node connected and applies its events."""

    # The first wait before reconnecting, in seconds (it doubles up to a
    # minute).
    retry_initial = 1.0

    def __init__(self, registry, server_id, settings=None):
        super().__init__(name=f"cc_listener-node-{server_id}", daemon=True)
        self.registry = registry
        self.server_id = server_id
        self.settings = settings  # what it connects with, to notice a change
        self.stopping = threading.Event()
        self.events = queue.Queue()
        self.known = KnownCalls()
        self.connection = None
        self.last_health = 0.0
        self.applied = 0
        self.state = None  # the node's state as last written
        # Connected and reconciled since the last wait: the next loss waits
        # the first delay again, not the last one.
        self.served = False
        self.bus_connection = None  # to the postgres database, see _notify_bus
        # Offers received (by the connection's reader) and taken (by the
        # worker), and an offer's arrival: see _leave_to_websockets.
        self.offers_received = 0
        self.offers_taken = 0
        self.offered = threading.Event()

    # --- the node's record -------------------------------------------------

    def _env(self, cr):
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

    def _node(self, env):
        return env["cc.pbx.server"].browse(self.server_id).exists()

    def _health(self, **values):
        self.state = values.get("state", self.state)
        try:
            with self.registry.cursor() as cr:
                node = self._node(self._env(cr))
                if node:
                    node.write(values)
        except Exception:
            _logger.exception("Node %s: could not write its health", self.server_id)

    # --- connection loop ---------------------------------------------------

    def stop(self):
        """Ends the worker: the connection is closed, the thread returns."""
        self.stopping.set()
        connection = self.connection
        if connection:
            connection.close()

    def run(self):
        delays = backoff_delays(self.retry_initial)
        while not self.stopping.is_set():
            try:
                with self.registry.cursor() as cr:
                    node = self._node(self._env(cr))
                    if not node or not node.enabled or not node.active:
                        return
                    host, port, password = (
                        node.host,
                        node.esl_port,
                        node.esl_password or "",
                    )
                    label = node.name
                self._serve(host, port, password, label)
                delays = backoff_delays(self.retry_initial)
            except EslAuthError as error:
                _logger.error("Node %s: the Event Socket refused the password", label)
                self._health(state="error", last_error=str(error))
            except (OSError, EslError) as error:
                _logger.warning("Node %s: %s", self.server_id, error)
                self._health(
                    state="disconnected", last_error=str(error) or type(error).__name__
                )
            except Exception as error:
                _logger.exception("Node %s: unexpected error", self.server_id)
                self._health(state="error", last_error=str(error))
            finally:
                if self.connection:
                    self.connection.close()
                    self.connection = None
            if self.served:
                self.served = False
                delays = backoff_delays(self.retry_initial)
            if self.stopping.wait(next(delays)):
                break
        if self.state == "connected":
            self._health(state="disconnected", last_error="The listener stopped.")
        self._close_bus()

    # --- Odoo's bus ----------------------------------------------------------

    def _notify_bus(self, channels):
        """Tells Odoo's websocket servers that ``channels`` have notifications
        (see cc.call._cc_bus_write) on a connection to the ``postgres``
        database the worker keeps open (Odoo's pool opens a new one each
        time). Lost, it is opened again once; should that fail too, the bus's
        own way is tried, then the failure logged: the notifications stay in
        bus.bus, the tabs get them with the next ones."""
        for attempt in (1, 2):
            try:
                if self.bus_connection is None or self.bus_connection.closed:
                    _db, info = odoo.sql_db.connection_info_for("postgres")
                    self.bus_connection = psycopg2.connect(**info)
                    self.bus_connection.autocommit = True
                query = sql.SQL("SELECT {}('imbus', %s)").format(
                    sql.Identifier(ODOO_NOTIFY_FUNCTION)
                )
                with self.bus_connection.cursor() as cur:
                    for payload in get_notify_payloads(list(channels)):
                        cur.execute(query, [payload])
                return
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
                self._close_bus()
                if attempt == 2:
                    _logger.warning(
                        "Node %s: could not tell the websockets of new cards (%s)",
                        self.server_id,
                        str(error).strip().splitlines()[0] if str(error) else error,
                    )
        try:
            bus_notify(channels)
        except Exception:
            _logger.exception("Node %s: the websockets were not told", self.server_id)

    def _close_bus(self):
        connection, self.bus_connection = self.bus_connection, None
        if connection is not None and not connection.closed:
            connection.close()

    def _serve(self, host, port, password, label):
        lost = threading.Event()
        self.connection = EslConnection(
            host,
            port,
            password,
            on_event=self._received,
            on_disconnect=lambda reason: lost.set(),
        )
        # Calls recorded before this moment and no longer live in FreeSWITCH
        # ended while nobody listened (see _reconcile).
        connected_at = datetime.now(timezone.utc).replace(tzinfo=None)
        self.connection.connect()
        self.connection.subscribe(EVENTS, custom=CUSTOM)
        version = self.connection.api("version").strip()
        _logger.info("Node %s connected (%s:%s, %s)", label, host, port, version)
        self._health(
            state="connected",
            last_connected=odoo.fields.Datetime.now(),
            last_error=False,
            freeswitch_version=version,
        )
        self._reconcile(connected_at)
        self.served = True
        while not self.stopping.is_set() and not lost.is_set():
            self._drain(timeout=0.5)
        while not self.events.empty():
            self._drain(timeout=0)
        if not self.stopping.is_set():
            raise EslError("the connection was lost")

    def _received(self, event):
        """An event from the node (the connection's reader thread)."""
        self.events.put(event)
        if self._is_offer(event):
            self.offers_received += 1
            self.offered.set()

    def _reconcile(self, before):
        """What happened while the listener was away (or since it was killed
        with events read and not applied): calls Odoo thinks are live but
        FreeSWITCH no longer has are ended; the callers in the queues, as
        mod_callcenter lists them, are rebuilt (a call missed is recorded,
        one put through meanwhile is answered by its agent)."""
        reply = self.connection.api("show channels as json")
        try:
            rows = json.loads(reply or "{}").get("rows") or []
        except ValueError:
            _logger.warning(
                "Node %s: unreadable channel list, not reconciled", self.server_id
            )
            return
        live = {row.get("uuid") for row in rows} | {
            row.get("call_uuid") for row in rows
        }
        with self.registry.cursor() as cr:
            queues = (
                self._env(cr)["cc.queue"]
                .search([("server_id", "=", self.server_id)], order="name")
                .mapped("name")
            )
        members = []
        for name in queues:
            members += member_rows(
                self.connection.api(f"callcenter_config queue list members {name}")
            )
        with self.registry.cursor() as cr:
            env = self._env(cr)
            node = self._node(env)
            env["cc.call"]._cc_reconcile(node, live - {None, ""}, before, members)
            # What is still live, and its other legs' events, concern calls.
            for unique_id in (
                env["cc.call"]
                .search(
                    [
                        ("server_id", "=", node.id),
                        ("state", "not in", ("ended", "failed")),
                    ]
                )
                .mapped("unique_id")
            ):
                self.known.add(unique_id)

    # --- applying events -------------------------------------------------

    def _drain(self, timeout):
        try:
            first = (
                self.events.get(timeout=timeout)
                if timeout
                else self.events.get_nowait()
            )
        except queue.Empty:
            return
        batch = [first]
        offers = int(self._is_offer(first))
        deadline = time.monotonic() + BATCH_WINDOW
        while len(batch) < BATCH_SIZE and offers < OFFERS_AT_ONCE:
            remaining = deadline - time.monotonic()
            if offers:
                remaining = min(remaining, OFFER_GAP)
            try:
                event = self.events.get(timeout=max(remaining, 0))
            except queue.Empty:
                break
            batch.append(event)
            offers += self._is_offer(event)
        if offers:
            self.offers_taken += offers
            # The offered calls' events first, in a transaction of their own,
            # their cards sent ahead of it in the shortest one: the screens
            # pop up while the offers are recorded, not after the other events.
            pops, batch = self._offered_first(batch)
            popped = self._pop_ahead(pops)
            if popped:
                self._leave_to_websockets(len(popped))
            self.apply(pops, popped)
        if batch:
            self.apply(batch)

    def _leave_to_websockets(self, cards):
        """Waits while Odoo's websocket server delivers ``cards`` cards just
        committed (see YIELD_PER_CARD), unless another call is offered: the
        offers recorded meanwhile would take the CPU (and PostgreSQL) from it
        on a small machine. Their recording can wait that long; the cards
        are what the agents see."""
        self.offered.clear()
        if self.offers_received > self.offers_taken:
            return
        self.offered.wait(min(YIELD_MAX, YIELD_PER_CARD * cards))

    @staticmethod
    def _is_offer(event):
        return event.get("CC-Action") == "agent-offering"

    @classmethod
    def _offered_first(cls, batch):
        """The events of the calls offered to an agent in ``batch`` up to
        their last offer (their caller's leg's, their queue's), then the other
        events, each in their order. Applying the former ahead changes
        nothing else: until it is offered, a call's events touch that call
        only (no agent's state, no queue's count)."""
        offers = {}
        for index, event in enumerate(batch):
            if cls._is_offer(event) and event.get("CC-Member-Session-UUID"):
                offers[event["CC-Member-Session-UUID"]] = index
        pops, rest = [], []
        for index, event in enumerate(batch):
            if event.get("Event-Name") == "CUSTOM":
                leg = event.get("CC-Member-Session-UUID")
            else:
                leg = event.get("Unique-ID")
            (pops if index <= offers.get(leg, -1) else rest).append(event)
        return pops, rest

    def _pop_ahead(self, batch):
        """Sends the cards of the calls ``batch`` offers to agents, in a
        transaction of its own (see cc.call._cc_pop_ahead); the popped
        (caller's Unique-ID, agent id). Should it fail, nothing is popped
        ahead: the offers push their cards as they are applied."""
        if not offers_ahead(batch):
            # Calls recorded with their offers: no transaction for nothing.
            return set()
        try:
            with self.registry.cursor() as cr:
                env = self._env(cr)
                return env["cc.call"]._cc_pop_ahead(
                    self._node(env), batch, self._notify_bus
                )
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            # The database away: the offers wait for it (and say so), then
            # push their cards.
            return set()
        except Exception:
            _logger.exception(
                "Node %s: the cards of %d offers could not be sent ahead; "
                "they go with the offers",
                self.server_id,
                sum(map(self._is_offer, batch)),
            )
            return set()

    def apply(self, batch, popped=None):
        """Applies events in one transaction; if it fails, each alone, so that
        one bad event costs only itself. ``popped``: the offers whose cards
        were sent ahead (see _pop_ahead)."""
        payloads = [self._payload(event) for event in batch]
        try:
            self._apply_waiting_for_database(payloads, popped)
        except Exception:
            for payload in payloads:
                try:
                    self._apply_waiting_for_database([payload], popped)
                except Exception:
                    _logger.exception(
                        "Node %s: event %s %s skipped",
                        self.server_id,
                        payload.get("Event-Name"),
                        payload.get("Unique-ID") or payload.get("CC-Action") or "",
                    )
        self.applied += len(payloads)
        now = time.monotonic()
        if now - self.last_health > HEALTH_EVERY:
            self.last_health = now
            self._health(last_event=odoo.fields.Datetime.now(), state="connected")

    def _apply_waiting_for_database(self, payloads, popped=None):
        """Applies ``payloads`` in one transaction. While PostgreSQL cannot
        be reached (restarting, connection lost) or the transaction must be
        tried again (serialization, deadlock), the events wait and are tried
        again, with backoff: they are never skipped for it. The events that
        arrive meanwhile wait in the queue."""
        delays = backoff_delays(0.2, 5.0)
        waited = 0.0
        tries = 0
        while True:
            tries += 1
            try:
                with self.registry.cursor() as cr:
                    env = self._env(cr)
                    env["cc.call"]._cc_apply_events(
                        self._node(env), payloads, self.known, popped
                    )
                if waited:
                    _logger.info(
                        "Node %s: the database answers again (%.1f s)",
                        self.server_id,
                        waited,
                    )
                return
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
                # The database away: wait as long as it takes. A conflict:
                # a few tries. Anything else (a statement cancelled, a full
                # disk) would fail the same way again: the caller skips the
                # event that causes it rather than hold every event back.
                if self.stopping.is_set() or not (
                    database_away(error)
                    or (isinstance(error, TRY_AGAIN) and tries < CONFLICT_TRIES)
                ):
                    raise
                delay = next(delays)
                if not waited:
                    _logger.warning(
                        "Node %s: the database is away (%s); events kept, tried again",
                        self.server_id,
                        str(error).strip().splitlines()[0] if str(error) else error,
                    )
                waited += delay
                self.stopping.wait(delay)

    @staticmethod
    def _payload(event):
        """The event's headers, and its body (a background job's result) as
        the header _body."""
        body = getattr(event, "body", None)
        if not body or "_body" in event:
            return event
        payload = dict(event)
        payload["_body"] = body
        return payload


class Listener:
    """The nodes' workers, started, restarted and stopped as nodes are
    enabled, changed or disabled in Odoo."""

    def __init__(self, dbname):
        self.dbname = dbname
        self.stopping = threading.Event()
        self.workers = {}

    @staticmethod
    def _enabled_nodes(registry):
        """What each enabled node is reached with."""
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            nodes = env["cc.pbx.server"].search([("enabled", "=", True)])
            return {
                node.id: (node.host, node.esl_port, node.esl_password or "")
                for node in nodes
            }

    def _sync_workers(self, registry):
        wanted = self._enabled_nodes(registry)
        for server_id, worker in list(self.workers.items()):
            if wanted.get(server_id) != worker.settings or not worker.is_alive():
                worker.stop()
                worker.join(timeout=10)
                del self.workers[server_id]
        for server_id, settings in wanted.items():
            if server_id not in self.workers:
                worker = NodeWorker(registry, server_id, settings)
                self.workers[server_id] = worker
                worker.start()

    def serve_forever(self):
        _logger.info("Telephony listener started on database %s", self.dbname)
        registry = None
        while not self.stopping.is_set():
            try:
                if registry is None:
                    registry = odoo.modules.registry.Registry(self.dbname)
                self._sync_workers(registry)
            except Exception as error:
                # The database is not created yet, or cc_telephony not
                # installed in it: wait for it rather than die.
                _logger.warning(
                    "Database %s is not ready for the telephony listener (%s); "
                    "trying again in %s seconds",
                    self.dbname,
                    error,
                    int(NODES_EVERY),
                )
                registry = None
            self.stopping.wait(NODES_EVERY)
        for worker in self.workers.values():
            worker.stop()
        for worker in self.workers.values():
            worker.join(timeout=10)
        _logger.info("Telephony listener stopped")

    def stop(self, *_args):
        self.stopping.set()


class CcListener(Command):
    """Connect Odoo to FreeSWITCH: calls, screen-pops, agent states"""

    name = "cc_listener"

    def run(self, args):
        parser = argparse.ArgumentParser(
            prog="odoo-bin cc_listener",
            description=__doc__.splitlines()[0],
            add_help=False,
        )
        parser.parse_known_args(args)
        config.parse_config(args, setup_logging=True)
        databases = [name for name in (config["db_name"] or "").split(",") if name]
        if len(databases) != 1:
            raise SystemExit(
                "cc_listener: give exactly one database (-d / --database)."
            )
        odoo.service.server.load_server_wide_modules()
        listener = Listener(databases[0])
        signal.signal(signal.SIGTERM, listener.stop)
        signal.signal(signal.SIGINT, listener.stop)
        listener.serve_forever()
