"""The suite's controllers called by the wrong user, and the ESL password
kept out of every response and every log.

Each route of the suite is called over HTTP as it is in production (a
session cookie, JSON-RPC for the web client's calls) by anonymous visitors,
portal customers, other agents and the other roles, then by the one user it
is for: the wrong ones are refused and change nothing, the right one gets
what they asked for. The addons' own tests check each route's behaviour;
these check who may reach it. The access matrix of the models is in
test_security_matrix.py.
"""

import base64
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from datetime import timedelta

import pyotp

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.cc_telephony.models.cc_summons import token_hash
from odoo.addons.cc_telephony.tests import test_click_to_dial as dial_tests
from odoo.addons.cc_telephony.tests import test_listener as listener_tests
from odoo.addons.cc_telephony.tests.common import (
    DEVICE_TOKEN,
    DIRECTORY_SECRET,
    SIP_DOMAIN,
    SipFixture,
    TelephonyHttpCase,
    customer_leg,
    recorded_events,
    recording,
)
from odoo.addons.cc_telephony.tests.esl_replay import Chunk, ReplayServer
from odoo.addons.cc_telephony.tests.fake_freeswitch import FakeFreeSwitch

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
# Every route the suite's addons declare, and the test below that calls it
# as the wrong users: a new route fails test_every_route_is_covered until
# someone decides who may call it.
ROUTES = {
    "/cc_telephony/call/<int:call_id>/recording": "test_recording",
    "/cc_telephony/summons/<string:token>/<any(accept,decline):answer>": (
        "test_summons_link"
    ),
    "/cc_telephony/softphone/config": "test_softphone_config",
    "/cc_telephony/softphone/route_here": "test_softphone_route_here",
    "/cc_telephony/sip/provision/<string:token>": "test_sip_provisioning_link",
    "/cc_telephony/freeswitch/directory": "test_freeswitch_directory",
    "/my/tickets": "test_portal_ticket_pages",
    "/my/tickets/page/<int:page>": "test_portal_ticket_pages",
    "/my/tickets/<int:ticket_id>": "test_portal_ticket_pages",
}
# Distinctive enough that finding it anywhere is the password, not chance.
ESL_PASSWORD = "Qx7-esl-Distinctive-4d2f9b"


def _no_warning(record):
    return record.levelno != logging.WARNING


class SecurityFixture(SipFixture):
    """Amal's call, ticket, device and summons; every role's user; portal
    customers (Karim, whose request Amal handles, and Omar)."""

    @classmethod
    def _setup_security(cls):
        cls._setup_sip()
        cls.server.sudo().esl_password = ESL_PASSWORD
        cls.user_portal = new_test_user(
            cls.env,
            login="cc_sec_karim",
            name="Customer Karim",
            groups="base.group_portal",
            partner_id=cls.customer.id,
        )
        cls.user_portal_other = new_test_user(
            cls.env,
            login="cc_sec_omar",
            name="Customer Omar",
            email="omar@example.com",
            groups="base.group_portal",
        )
        cls.users = {
            "anonymous": None,
            "portal": cls.user_portal_other,
            "other agent": cls.user_agent_2,
            "internal": cls.user_internal,
            "department": cls.user_department,
            "supervisor": cls.user_supervisor,
            "manager": cls.user_manager,
        }
        # Amal's request, on a service only escalations reach: Badr has no
        # business with it, her supervisor has.
        cls.ticket = cls.env["cc.ticket"].create(
            {
                "subject": "Wrong bill",
                "partner_id": cls.customer.id,
                "service_type_id": cls.service_escalate.id,
                "owner_id": cls.agent.id,
            }
        )
        cls.ticket_other = cls.env["cc.ticket"].create(
            {
                "subject": "Omar's parcel",
                "partner_id": cls.user_portal_other.partner_id.id,
                "service_type_id": cls.service_escalate.id,
                "owner_id": cls.agent.id,
            }
        )

    def setUp(self):
        super().setUp()
        # A refused call is logged by odoo.http as a warning (UserError,
        # AccessError): expected here; its errors still reach the log.
        http_logger = logging.getLogger("odoo.http")
        http_logger.addFilter(_no_warning)
        self.addCleanup(http_logger.removeFilter, _no_warning)

    def login(self, user):
        if user:
            self.authenticate(user.login, user.login.ljust(8, "x"))
        else:
            self.authenticate(None, None)

    def as_each(self, roles=None):
        """(role, user) for each wrong role, logged in."""
        for role, user in self.users.items():
            if roles is None or role in roles:
                self.login(user)
                yield role, user

    def jsonrpc(self, route, params):
        """The decoded answer and the raw body of a JSON-RPC call."""
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json(), response.text

    def call_kw(self, model, method, args, kwargs=None):
        return self.jsonrpc(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def assertRefused(self, answer, role, what=""):
        self.assertIn("error", answer, f"{role} was not refused {what}")
        return answer["error"]


@tagged("post_install", "-at_install")
class TestSecurityHttp(SecurityFixture, TelephonyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_security()

    def test_every_route_is_covered(self):
        declared = set()
        for rule in self.env["ir.http"].routing_map().iter_rules():
            module = rule.endpoint.func.__module__
            if module.startswith("odoo.addons.cc_"):
                declared.add(rule.rule)
        self.assertEqual(sorted(declared - set(ROUTES)), [], "routes without a test")
        self.assertEqual(sorted(set(ROUTES) - declared), [], "routes gone")
        for test in set(ROUTES.values()):
            self.assertTrue(hasattr(self, test), test)

    # ------------------------------------------------------------------
    # Recordings
    # ------------------------------------------------------------------

    def test_recording(self):
        folder = tempfile.TemporaryDirectory(prefix="cc_security_")
        self.addCleanup(folder.cleanup)
        self.server.recording_root = folder.name
        with open(os.path.join(folder.name, "amal-1.wav"), "wb") as file:
            file.write(WAV)
        call = self.env["cc.call"].create(
            {
                "unique_id": "amal-1",
                "server_id": self.server.id,
                "direction": "inbound",
                "agent_id": self.agent.id,
                "recording_path": "amal-1.wav",
                "date_ended": fields.Datetime.now(),
            }
        )
        url = f"/cc_telephony/call/{call.id}/recording"
        missing = f"/cc_telephony/call/{call.id + 1000}/recording"
        logger = "odoo.addons.cc_telephony.controllers.recording"
        for role, _user in self.as_each():
            with self.subTest(role=role), self.kept_logs(logger) as opened:
                response = self.url_open(url, allow_redirects=False)
                if role == "anonymous":
                    self.assertIn(response.status_code, (302, 303))
                    self.assertIn("/web/login", response.headers["Location"])
                elif role in ("supervisor", "manager"):
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(response.content, WAV)
                    continue
                else:
                    # Not even whether the call or its file exists.
                    self.assertEqual(response.status_code, 404)
                    self.assertEqual(
                        self.url_open(missing, allow_redirects=False).status_code,
                        404,
                    )
                self.assertNotIn(WAV, response.content)
                self.assertEqual(opened, [], "a refused listening is not logged")
        self.login(self.user_agent)
        with self.kept_logs(logger) as opened:
            response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, WAV)
        self.assertEqual(len(opened), 1)

    @contextmanager
    def kept_logs(self, name):
        """The messages of logger ``name`` (propagated as usual)."""
        messages = []
        handler = logging.Handler(logging.DEBUG)
        handler.emit = lambda record: messages.append(record.getMessage())
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        try:
            yield messages
        finally:
            logger.removeHandler(handler)

    # ------------------------------------------------------------------
    # Click-to-dial
    # ------------------------------------------------------------------

    def dial(self):
        return self.call_kw(
            "cc.call",
            "action_dial",
            ["050 123 4567"],
            {"res_model": "res.partner", "res_id": self.caller.id},
        )

    def test_click_to_dial(self):
        """Only an agent places a call, always on their own phone: FreeSWITCH
        hears nothing from the others' attempts."""
        self.server.sip_domain = "cc.example.com"
        replies = {
            "sofia_contact": dial_tests.REGISTERED,
            "sofia status gateway stc-trunk": dial_tests.GATEWAY_UP,
            "bgapi originate": "+OK",
        }
        Call = self.env["cc.call"]
        # The demo day's calls are there already.
        before = Call.search([]).ids
        placed = [("id", "not in", before)]
        for role, _user in self.as_each(
            ("anonymous", "portal", "internal", "department", "supervisor", "manager")
        ):
            with self.subTest(role=role), FakeFreeSwitch(ESL_PASSWORD, replies) as fs:
                self.server.esl_port = fs.port
                self.env.flush_all()
                answer, _text = self.dial()
                error = self.assertRefused(answer, role)
                if role == "anonymous":
                    self.assertIn("SessionExpired", error["data"]["name"])
                elif role != "portal":
                    self.assertIn("Only call center agents", error["data"]["message"])
                self.assertEqual(fs.commands, [], f"{role} reached FreeSWITCH")
                self.assertFalse(Call.search(placed))
        # Badr dials: his phone rings, never Amal's.
        for user, extension, agent in (
            (self.user_agent_2, "1090", self.agent_2),
            (self.user_agent, "1000", self.agent),
        ):
            self.login(user)
            with FakeFreeSwitch(ESL_PASSWORD, replies) as fs:
                self.server.esl_port = fs.port
                self.env.flush_all()
                answer, _text = self.dial()
            self.assertNotIn("error", answer, user.name)
            call = Call.browse(answer["result"]["call_id"])
            self.assertEqual(call.agent_id, agent)
            self.assertEqual(
                fs.api_commands()[0], f"sofia_contact {extension}@cc.example.com"
            )
        self.assertEqual(Call.search(placed).agent_id, self.agent | self.agent_2)

    # ------------------------------------------------------------------
    # Caller verification
    # ------------------------------------------------------------------

    def verification_state(self):
        self.env.invalidate_all()
        return self.ticket.verification_ids.mapped("state")

    def test_caller_verification(self):
        self.service_escalate.verification_required = True
        mails = self.env["mail.mail"].search_count([("email_to", "ilike", "karim")])
        for role, _user in self.as_each(
            ("anonymous", "portal", "other agent", "department")
        ):
            with self.subTest(role=role):
                answer, _text = self.call_kw(
                    "cc.ticket.verify", "create", [{"ticket_id": self.ticket.id}]
                )
                if "result" in answer:
                    wizard = answer["result"]
                    answer, _text = self.call_kw(
                        "cc.ticket.verify", "action_send", [[wizard]]
                    )
                self.assertRefused(answer, role)
                self.assertEqual(self.verification_state(), [])
        self.assertEqual(
            self.env["mail.mail"].search_count([("email_to", "ilike", "karim")]),
            mails,
            "no code was sent",
        )
        # Amal sends a code.
        self.login(self.user_agent)
        answer, _text = self.call_kw(
            "cc.ticket.verify", "create", [{"ticket_id": self.ticket.id}]
        )
        answer, _text = self.call_kw(
            "cc.ticket.verify", "action_send", [[answer["result"]]]
        )
        self.assertNotIn("error", answer)
        check = self.ticket.verification_ids
        self.assertEqual(check.state, "pending")
        code = pyotp.HOTP(check.sudo().secret).at(0)
        # Badr, even with the code, cannot check another agent's caller
        # through a wizard of his own pointing at her check.
        self.login(self.user_agent_2)
        answer, _text = self.call_kw(
            "cc.ticket.verify",
            "create",
            [{"ticket_id": self.ticket.id, "verification_id": check.id}],
        )
        if "result" in answer:
            wizard = answer["result"]
            self.call_kw("cc.ticket.verify", "write", [[wizard], {"code": code}])
            answer, _text = self.call_kw("cc.ticket.verify", "action_check", [[wizard]])
        self.assertRefused(answer, "other agent", "checking Amal's caller")
        self.assertEqual(self.verification_state(), ["pending"])
        self.assertFalse(self.ticket.identity_verified)
        # Amal checks the code the caller reads back.
        self.login(self.user_agent)
        answer, _text = self.call_kw(
            "cc.ticket.verify",
            "create",
            [{"ticket_id": self.ticket.id, "verification_id": check.id, "code": code}],
        )
        answer, _text = self.call_kw(
            "cc.ticket.verify", "action_check", [[answer["result"]]]
        )
        self.assertEqual(answer["result"]["params"]["type"], "success")
        self.assertEqual(self.verification_state(), ["verified"])

    # ------------------------------------------------------------------
    # Standby summons
    # ------------------------------------------------------------------

    def test_summons_link(self):
        token = "summons-link-token-for-amal-0123456789"
        episode = self.env["cc.summons.episode"].create(
            {
                "queue_id": self.queue.id,
                "date_start": fields.Datetime.now(),
                "trigger": "waiting",
            }
        )
        summons = self.env["cc.summons"].create(
            {
                "episode_id": episode.id,
                "agent_id": self.agent.id,
                "date_sent": fields.Datetime.now(),
                "token_hash": token_hash(token),
            }
        )
        Presence = self.env["cc.presence.log"]
        for role, _user in self.as_each():
            for answer in ("accept", "decline"):
                with self.subTest(role=role, answer=answer):
                    response = self.url_open(
                        f"/cc_telephony/summons/{token}/{answer}",
                        allow_redirects=False,
                    )
                    if role == "anonymous":
                        self.assertIn(response.status_code, (302, 303))
                        self.assertIn("/web/login", response.headers["Location"])
                    else:
                        self.assertEqual(response.status_code, 403)
                    self.env.invalidate_all()
                    self.assertEqual(summons.state, "sent")
                    self.assertFalse(Presence._cc_current(self.agent))
        self.login(self.user_agent)
        response = self.url_open(f"/cc_telephony/summons/{token}/decline")
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(summons.state, "declined")

    # ------------------------------------------------------------------
    # Phones: softphone, SIP app provisioning, FreeSWITCH's directory
    # ------------------------------------------------------------------

    def test_softphone_config(self):
        """Another user's device token gives nobody Amal's SIP account."""
        Account = self.env["cc.sip.account"]
        for role, _user in self.as_each():
            with self.subTest(role=role):
                answer, text = self.jsonrpc(
                    "/cc_telephony/softphone/config", {"device_token": DEVICE_TOKEN}
                )
                if role == "anonymous":
                    self.assertIn("SessionExpired", text)
                # Refused (a portal user has no employee to ask about) or
                # disabled with the reason.
                result = answer.get("result") or {}
                self.assertFalse(result.get("enabled"))
                self.assertNotIn("password", result)
                self.assertFalse(Account.search([("device_id", "=", self.device.id)]))
        self.login(self.user_agent)
        answer, text = self.jsonrpc(
            "/cc_telephony/softphone/config", {"device_token": DEVICE_TOKEN}
        )
        account = Account.search([("device_id", "=", self.device.id)])
        self.assertEqual(answer["result"]["username"], account.username)
        # Now that the account exists, still nobody else gets it.
        for role, _user in self.as_each(("portal", "other agent", "manager")):
            with self.subTest(role=role, account="made"):
                _answer, text = self.jsonrpc(
                    "/cc_telephony/softphone/config", {"device_token": DEVICE_TOKEN}
                )
                self.assertNotIn(account.username, text)
                self.assertNotIn(account.sudo().password, text)

    def test_softphone_route_here(self):
        """Nobody else sends Amal's calls to a device: her route is unchanged
        and FreeSWITCH is not told."""
        self.env["cc.presence.log"]._cc_set_state(self.agent, "available")
        for role, _user in self.as_each():
            with self.subTest(role=role), FakeFreeSwitch(ESL_PASSWORD) as fs:
                self.server.esl_port = fs.port
                self.env.flush_all()
                answer, text = self.jsonrpc(
                    "/cc_telephony/softphone/route_here",
                    {"device_token": DEVICE_TOKEN},
                )
                if role == "anonymous":
                    self.assertIn("SessionExpired", text)
                self.assertFalse((answer.get("result") or {}).get("ok"))
                self.assertEqual(fs.commands, [])
                self.env.invalidate_all()
                self.assertFalse(self.agent.cc_route_device_id)
        self.login(self.user_agent)
        self.agent.cc_call_route = "softphone"
        with FakeFreeSwitch(ESL_PASSWORD, {"": "+OK\n"}) as fs:
            self.server.esl_port = fs.port
            self.env.flush_all()
            answer, _text = self.jsonrpc(
                "/cc_telephony/softphone/route_here", {"device_token": DEVICE_TOKEN}
            )
        self.assertIs(answer["result"]["ok"], True, answer)
        self.env.invalidate_all()
        self.assertEqual(self.agent.cc_route_device_id, self.device)
        self.assertTrue(fs.commands)

    def test_sip_provisioning_link(self):
        """A used or expired link gives nobody anything, logged in or not."""
        action = self.device.with_user(self.user_agent).action_sip_app_setup()
        provisioning = (
            self.env["cc.sip.provisioning"]
            .with_user(self.user_agent)
            .with_context(**action["context"])
            .browse(action["res_id"])
        )
        url = provisioning.url
        account = provisioning.sudo().account_id
        self.authenticate(None, None)
        self.assertEqual(self.url_open(url).status_code, 200)
        expired = self.device.with_user(self.user_agent).action_sip_app_setup()
        expired_record = self.env["cc.sip.provisioning"].browse(expired["res_id"])
        expired_url = (
            expired_record.with_user(self.user_agent)
            .with_context(**expired["context"])
            .url
        )
        expired_record.sudo().expires_at = fields.Datetime.now() - timedelta(seconds=1)
        account.invalidate_recordset()
        password = account.sudo().password
        for role, _user in self.as_each():
            for link, status in ((url, 410), (expired_url, 410)):
                with self.subTest(role=role, status=status):
                    response = self.url_open(link)
                    self.assertEqual(response.status_code, status)
                    self.assertNotIn(account.username.encode(), response.content)
            unknown = self.url_open(url[:-4] + "zzzz")
            self.assertEqual(unknown.status_code, 404)
        account.invalidate_recordset()
        self.assertEqual(account.sudo().password, password, "nothing rotated")

    def test_freeswitch_directory(self):
        """Only the node's directory secret opens the directory: not a
        session of any role, not a user's password, not the ESL password,
        not the SIP account's own password."""
        account = self.softphone_account()
        data = {
            "section": "directory",
            "action": "sip_auth",
            "user": account.username,
            "domain": SIP_DOMAIN,
        }

        def ask(secret):
            headers = {}
            if secret is not None:
                token = base64.b64encode(f"freeswitch:{secret}".encode()).decode()
                headers["Authorization"] = f"Basic {token}"
            return self.url_open(
                "/cc_telephony/freeswitch/directory", data=data, headers=headers
            )

        for role, user in self.as_each():
            secrets = [None, "", ESL_PASSWORD, account.sudo().password]
            if user:
                secrets.append(user.login.ljust(8, "x"))
            for secret in secrets:
                with self.subTest(role=role, secret=secret):
                    response = ask(secret)
                    self.assertEqual(response.status_code, 401)
                    self.assertFalse(response.content)
        self.authenticate(None, None)
        response = ask(DIRECTORY_SECRET)
        self.assertEqual(response.status_code, 200)
        self.assertIn(account.username.encode(), response.content)

    # ------------------------------------------------------------------
    # The web manifest
    # ------------------------------------------------------------------

    def test_web_manifest(self):
        """Everyone gets a manifest naming nobody: no user's name or e-mail."""
        names = [
            user[field]
            for user in (*self.users.values(), self.user_agent)
            if user
            for field in ("name", "email")
            if user[field]
        ]
        self.users = {**self.users, "agent": self.user_agent}
        for role, _user in self.as_each():
            with self.subTest(role=role):
                response = self.url_open("/web/manifest.webmanifest")
                self.assertEqual(response.status_code, 200)
                manifest = response.json()
                for name in names:
                    self.assertNotIn(name, response.text)
                if role in ("agent", "other agent"):
                    self.assertEqual(manifest["name"], "Call Center")
                if role in ("anonymous", "portal", "internal", "department"):
                    self.assertEqual(manifest["name"], "Odoo")

    # ------------------------------------------------------------------
    # The customer portal
    # ------------------------------------------------------------------

    def test_portal_ticket_pages(self):
        """Another customer's request: refused without its token, with the
        token of another request, and to internal users the rules keep out;
        its chatter takes no message from them."""
        page = f"/my/tickets/{self.ticket.id}"
        other_token = self.ticket_other._portal_ensure_token()
        # As once the request's e-mail or page was sent (without a token of
        # its own, Odoo's portal fails on a token given: consteq(str, False)).
        self.ticket._portal_ensure_token()
        messages = self.ticket.message_ids
        for role, _user in self.as_each():
            with self.subTest(role=role):
                for url in (page, f"{page}?access_token={other_token}"):
                    response = self.url_open(url, allow_redirects=False)
                    if role in ("supervisor", "manager") and "token" not in url:
                        # Amal's supervisor and managers read the request.
                        self.assertEqual(response.status_code, 200)
                        continue
                    if role in ("supervisor", "manager"):
                        continue
                    self.assertEqual(response.status_code, 303, url)
                    self.assertTrue(response.headers["Location"].endswith("/my"))
                    self.assertNotIn("Wrong bill", response.text)
                if role in ("portal", "other agent", "department"):
                    listing = self.url_open("/my/tickets").text
                    self.assertNotIn(self.ticket.name, listing)
                if role in ("supervisor", "manager"):
                    continue
                answer, _text = self.jsonrpc(
                    "/mail/message/post",
                    {
                        "thread_model": "cc.ticket",
                        "thread_id": self.ticket.id,
                        "post_data": {"body": f"Hello from {role}"},
                        "token": other_token,
                    },
                )
                self.assertRefused(answer, role, "posting")
                self.env.invalidate_all()
                self.assertEqual(self.ticket.message_ids, messages)
        self.login(self.user_portal)
        response = self.url_open(page)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Wrong bill", response.text)
        self.assertIn(self.ticket.name, self.url_open("/my/tickets").text)
        self.assertNotIn(self.ticket_other.name, self.url_open("/my/tickets").text)


class _Keep(logging.Handler):
    """Keeps every record, formatted (with its traceback), and the record's
    own attributes (the arguments and extras as they were)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        self.records.append((record, self.format(record) + repr(vars(record))))


@contextmanager
def every_log_record():
    """Every record of every logger at DEBUG, while it runs, kept and sent
    nowhere else (the expected errors of a refused password stay out of the
    run's log); every logger as it was afterwards."""
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in list(root.manager.loggerDict.values())
        if isinstance(logger, logging.Logger)
    ]
    saved = [
        (logger, logger.level, logger.propagate, logger.handlers[:], logger.disabled)
        for logger in loggers
    ]
    keep = _Keep()
    for logger in loggers:
        logger.handlers = []
        logger.propagate = True
        logger.disabled = False
        logger.setLevel(logging.NOTSET)
    root.handlers = [keep]
    root.setLevel(logging.DEBUG)
    try:
        yield keep.records
    finally:
        for logger, level, propagate, handlers, disabled in saved:
            logger.handlers = handlers
            logger.propagate = propagate
            logger.disabled = disabled
            logger.setLevel(level)


@tagged("post_install", "-at_install")
class TestSecurityHttpEslPassword(SecurityFixture, TelephonyHttpCase):
    """The Event Socket password: never in a response to anyone but a system
    administrator, never in a log, never in the node's health."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_security()
        cls.leg = customer_leg(recorded_events("callcenter_plain"))
        cls.recorded = recording("callcenter_plain")
        cls.events = [
            listener_tests.as_trunk_chunk(chunk, cls.leg)
            for chunk in cls.recorded
            if chunk.kind == "RECV"
            and b"Content-Type: text/event-plain" in chunk.data[:80]
        ]

    READS = (
        ("fields_get", "ids", {}),
        ("get_views", "", {"views": [[False, "form"], [False, "list"]]}),
        ("read", "ids", {}),
        ("read", "ids", {"fields": []}),
        ("search_read", "", {"domain": [], "fields": []}),
        ("web_search_read", "", {"domain": [], "specification": "visible"}),
        ("web_read", "ids", {"specification": "visible"}),
        ("export_data", "ids", {"fields_to_export": "visible"}),
        ("copy_data", "ids", {}),
        ("search_fetch", "", {"domain": [], "field_names": "visible"}),
    )
    # Asking for the password by name, or about it.
    ASKS = (
        ("read", "ids", {"fields": ["esl_password"]}),
        ("web_read", "ids", {"specification": {"esl_password": {}}}),
        ("export_data", "ids", {"fields_to_export": ["esl_password"]}),
        ("search_count", "", {"domain": [("esl_password", "=", ESL_PASSWORD)]}),
        (
            "web_search_read",
            "",
            {
                "domain": [("esl_password", "=like", ESL_PASSWORD[:3] + "%")],
                "specification": {"name": {}},
            },
        ),
        (
            "web_read_group",
            "",
            {"domain": [], "groupby": ["esl_password"], "fields": []},
        ),
    )

    def rpc_reads(self, visible):
        """(label, answer, raw body) of every way the web client reads the
        node, then asks for its password."""
        for method, ids, kwargs in self.READS + self.ASKS:
            args = [[self.server.id]] if ids else []
            kwargs = {
                key: (
                    {name: {} for name in visible}
                    if key == "specification"
                    else visible
                )
                if value == "visible"
                else value
                for key, value in kwargs.items()
            }
            answer, text = self.call_kw("cc.pbx.server", method, args, kwargs)
            yield (method, kwargs), answer, text

    def test_no_response_holds_the_password(self):
        # The check sees the password where it is: a system administrator
        # reads it.
        self.authenticate("admin", "admin")
        answer, text = self.call_kw(
            "cc.pbx.server", "read", [[self.server.id], ["esl_password"]]
        )
        self.assertIn(ESL_PASSWORD, text)
        for role, user in self.as_each():
            if role == "anonymous":
                answer, text = self.call_kw("cc.pbx.server", "read", [[self.server.id]])
                self.assertIn("SessionExpired", text)
                continue
            Node = self.env["cc.pbx.server"].with_user(user)
            readable = Node.has_access("read")
            # Who may not read the node asks for its name, which it may not
            # read either.
            visible = (
                list(Node.fields_get(attributes=["type"])) if readable else ["name"]
            )
            self.assertNotIn("esl_password", visible)
            for asked, answer, text in self.rpc_reads(visible):
                with self.subTest(role=role, asked=asked):
                    self.assertNotIn(ESL_PASSWORD, text)
                    # fields_get describes the fields one may read: none here.
                    if "esl_password" in str(asked) or (
                        not readable and asked[0] != "fields_get"
                    ):
                        self.assertRefused(answer, role, str(asked))
            if role == "supervisor":
                answer, text = self.call_kw(
                    "cc.pbx.server", "read", [[self.server.id], ["name"]]
                )
                self.assertEqual(answer["result"][0]["name"], "Riyadh")

    def test_connection_test_and_dial_errors_hold_no_password(self):
        """A node refusing the password: what the supervisor's connection
        test and the agent's dial answer name the node, not the password."""
        refusing = FakeFreeSwitch("FreeSWITCH's-own-password")
        self.server.esl_port = refusing.port
        self.env.flush_all()
        with refusing:
            for user in (self.user_supervisor, self.user_manager, self.user_agent):
                self.login(user)
                with self.subTest(user=user.name):
                    if user == self.user_agent:
                        answer, text = self.call_kw(
                            "cc.call", "action_dial", ["050 123 4567"]
                        )
                    else:
                        answer, text = self.call_kw(
                            "cc.pbx.server",
                            "action_test_connection",
                            [[self.server.id]],
                        )
                    self.assertRefused(answer, user.name)
                    self.assertNotIn(ESL_PASSWORD, text)
                    if user == self.user_agent:
                        self.assertIn("refused Odoo's Event Socket password", text)
                    else:
                        # Not an administrator: FreeSWITCH is not even asked.
                        self.assertIn("Only system administrators test", text)
                        self.assertEqual(refusing.commands, [])

    # ------------------------------------------------------------------
    # The listener
    # ------------------------------------------------------------------

    def esl_session(self, events, live=()):
        return [
            self.recorded[0],
            Chunk("SEND", f"auth {ESL_PASSWORD}\n\n".encode()),
            self.recorded[2],
            Chunk("SEND", f"{listener_tests.SUBSCRIBE}\n\n".encode()),
            self.recorded[4],
            Chunk("SEND", b"api version\n\n"),
            listener_tests.api_response(listener_tests.VERSION),
            Chunk("SEND", b"api show channels as json\n\n"),
            listener_tests.api_response(listener_tests.channels_json(*live)),
            *listener_tests.members_chunks(self.env, self.server),
            *events,
        ]

    def refused_session(self):
        return [
            self.recorded[0],
            Chunk("SEND", f"auth {ESL_PASSWORD}\n\n".encode()),
            *[c for c in recording("bad_password") if c.kind == "RECV"][1:],
        ]

    def listen(self, server, retry=0.02):
        from odoo.addons.cc_telephony.cli import cc_listener

        self.server.esl_port = server.port
        self.env.flush_all()
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        worker.retry_initial = retry
        self.addCleanup(worker.join, 10)
        self.addCleanup(worker.stop)
        worker.start()
        server.stop()
        worker.stop()
        worker.join(10)
        self.assertFalse(worker.is_alive())
        self.assertEqual(server.errors, [])
        self.env.invalidate_all()
        return worker

    def test_listener_logs_never_hold_the_password(self):
        """Connected, the connection dropped mid-call, refused on the way back
        (FreeSWITCH's password changed), then accepted again: not one record
        of any logger, at any level, holds the password."""
        self.env["cc.presence.log"]._cc_set_state(self.agent, "available")
        middle = len(self.events) // 2
        first = self.esl_session(self.events[:middle])
        then = [
            self.refused_session(),
            self.esl_session(self.events[middle:], [self.leg]),
        ]
        with every_log_record() as records:
            with ReplayServer(first, close_at=len(first), then=then) as server:
                self.listen(server)
        self.assertEqual(server.sessions, 3)
        call = self.env["cc.call"].search([("unique_id", "=", self.leg)])
        self.assertEqual(call.state, "ended")
        self.assertNotEqual(call.hangup_cause, "LOST_WHILE_DISCONNECTED")
        # What was kept is the whole story, DEBUG included.
        text = "\n".join(formatted for _record, formatted in records)
        self.assertIn("the Event Socket refused the password", text)
        self.assertIn("the connection was lost", text)
        self.assertIn("connected (127.0.0.1", text)
        self.assertIn("ESL: connection to", text)  # a DEBUG record of the addon
        self.assertTrue([r for r, _f in records if r.levelno == logging.DEBUG])
        leaking = [
            formatted for _record, formatted in records if ESL_PASSWORD in formatted
        ]
        self.assertEqual(leaking, [])

    def test_node_health_shown_to_supervisors(self):
        """The state and last error the listener writes, as the supervisor's
        board reads them, after a refused password and after a lost
        connection."""
        for script, state in (
            (self.refused_session(), "error"),
            (self.esl_session(self.events[:3]), "disconnected"),
        ):
            with self.subTest(state=state):
                with every_log_record():
                    with ReplayServer(script) as server:
                        self.listen(server, retry=60)
                self.login(self.user_supervisor)
                answer, text = self.call_kw(
                    "cc.pbx.server",
                    "web_read",
                    [[self.server.id]],
                    {
                        "specification": {
                            "state": {},
                            "last_error": {},
                            "freeswitch_version": {},
                            "display_name": {},
                        }
                    },
                )
                node = answer["result"][0]
                self.assertEqual(node["state"], state)
                self.assertTrue(node["last_error"])
                self.assertNotIn(ESL_PASSWORD, text)
