"""Agents' phones against a live FreeSWITCH configured with config/freeswitch
(mod_xml_curl directory, sip_profiles/internal.xml), when
FREESWITCH_ESL=host:port:password points at one (skipped otherwise):

- the directory round trip: FreeSWITCH asks Odoo (mod_xml_curl) for a
  softphone account Odoo generated and finds it; a wrong directory secret or
  a revoked account finds nothing;
- a SIP REGISTER with the generated credentials (SIPp, when the ``sipp``
  command is installed): accepted; dropped by a rotation, after which only
  the new password registers; dropped by the revocation, after which nothing
  registers.

FreeSWITCH asks for its directory at the address of its ``cc_directory_url``
(FREESWITCH_DIRECTORY_URL of xml_curl.conf.xml), while the test's Odoo
listens on a port of its own (./test picks one at random): when that address
is on this machine and free, the test relays it to the test's Odoo for its
duration. The node's SIP domain and directory secret are FreeSWITCH's
(``cc_sip_domain``, ``cc_directory_secret``: read over the Event Socket, or
FREESWITCH_DIRECTORY_SECRET when set).
"""

import http.client
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tools import config

from ..tools.esl import EslConnection
from .common import SipFixture, TelephonyHttpCase

LIVE = os.environ.get("FREESWITCH_ESL", "")
# Relayed headers of a directory request (mod_xml_curl posts a form).
RELAYED_HEADERS = ("Authorization", "Content-Type", "User-Agent")


def live_settings():
    host, _sep, rest = LIVE.partition(":")
    port, _sep, password = rest.partition(":")
    return host, int(port or 8021), password


def is_local_address(host):
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError):
        return False
    if address.is_loopback:
        return True
    try:
        with socket.socket() as probe:
            probe.bind((str(address), 0))
    except OSError:
        return False
    return True


class DirectoryRelay(ThreadingHTTPServer):
    """Listens where FreeSWITCH asks for its directory and passes each
    request, unchanged, to the test's Odoo."""

    daemon_threads = True

    def __init__(self, address, odoo_port):
        self.odoo_port = odoo_port
        super().__init__(address, RelayHandler)


class RelayHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {
            name: self.headers[name] for name in RELAYED_HEADERS if self.headers[name]
        }
        odoo = http.client.HTTPConnection(
            "127.0.0.1", self.server.odoo_port, timeout=10
        )
        try:
            odoo.request("POST", self.path, body=body, headers=headers)
            answer = odoo.getresponse()
            content = answer.read()
            self.send_response(answer.status)
            for name in ("Content-Type", "WWW-Authenticate"):
                if answer.getheader(name):
                    self.send_header(name, answer.getheader(name))
        except OSError:
            content = b""
            self.send_response(502)
        finally:
            odoo.close()
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install", "cc_live")
class TestLiveSoftphone(SipFixture, TelephonyHttpCase):
    @classmethod
    def setUpClass(cls):
        if not LIVE:
            raise unittest.SkipTest(
                "no live FreeSWITCH: set FREESWITCH_ESL=host:port:password to run "
                "the softphone integration test against one"
            )
        super().setUpClass()
        cls._setup_sip()
        host, port, password = live_settings()
        esl = EslConnection(host, port, password, timeout=10)
        esl.connect()
        try:
            fs_vars = {
                name: esl.api(f"global_getvar {name}").strip()
                for name in ("cc_sip_domain", "cc_directory_url", "cc_directory_secret")
            }
            cls.profile_status = esl.api("sofia status profile internal")
        finally:
            esl.close()
        secret = (
            os.environ.get("FREESWITCH_DIRECTORY_SECRET")
            or fs_vars["cc_directory_secret"]
        )
        if not (fs_vars["cc_sip_domain"] and fs_vars["cc_directory_url"] and secret):
            raise unittest.SkipTest(
                "the live FreeSWITCH does not run config/freeswitch's agents' "
                "phones (no cc_sip_domain, cc_directory_url or directory secret)"
            )
        cls.sip_domain = fs_vars["cc_sip_domain"]
        cls.server.write(
            {
                "host": host,
                "esl_port": port,
                "esl_password": password,
                "sip_domain": cls.sip_domain,
                "ws_url": f"wss://{host}:7443",
                "directory_secret": secret,
                "directory_allowed_ips": False,
            }
        )
        cls._start_relay(fs_vars["cc_directory_url"])

    @classmethod
    def _start_relay(cls, url):
        parts = urlsplit(url)
        odoo_port = int(config["http_port"])
        fs_port = parts.port or 80
        if parts.scheme == "http" and is_local_address(parts.hostname):
            if fs_port == odoo_port:
                return
            try:
                relay = DirectoryRelay((parts.hostname, fs_port), odoo_port)
            except OSError as error:
                raise unittest.SkipTest(
                    f"FreeSWITCH asks {url} for its directory, where something else "
                    f"listens ({error}): stop it, or point FREESWITCH_DIRECTORY_URL "
                    "at a free local port, to run this test"
                ) from error
            thread = threading.Thread(target=relay.serve_forever, daemon=True)
            thread.start()
            cls.addClassCleanup(thread.join, 5)
            cls.addClassCleanup(relay.server_close)
            cls.addClassCleanup(relay.shutdown)
            return
        raise unittest.SkipTest(
            f"FreeSWITCH asks {url} for its directory, which is not on this "
            "machine: the test cannot serve it"
        )

    def setUp(self):
        super().setUp()
        self.account = self.softphone_account()
        self.env.flush_all()

    def esl(self):
        host, port, password = live_settings()
        connection = EslConnection(host, port, password, timeout=10)
        connection.connect()
        self.addCleanup(connection.close)
        return connection

    def fs(self, command):
        """An API command (what FreeSWITCH asks Odoo meanwhile sees the
        test's data)."""
        self.env.flush_all()
        return self.esl().api(command).strip()

    def user_exists(self, username):
        return self.fs(f"user_exists id {username} {self.sip_domain}")

    def registrations(self, username):
        listing = self.fs(f"sofia status profile {self.server.sip_profile} reg")
        return [
            line
            for line in listing.splitlines()
            if line.startswith("User:") and line.split()[1].startswith(f"{username}@")
        ]

    def wait_unregistered(self, username, timeout=5):
        deadline = time.monotonic() + timeout
        while self.registrations(username) and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.registrations(username)

    # ------------------------------------------------------------------
    # The directory round trip through mod_xml_curl
    # ------------------------------------------------------------------

    def test_directory_round_trip(self):
        username = self.account.username
        started = time.monotonic()
        self.assertEqual(self.user_exists(username), "true")
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 5, "a directory lookup takes milliseconds")
        self.assertEqual(
            self.fs(f"user_data {username}@{self.sip_domain} var cc_agent_extension"),
            self.agent.cc_extension,
        )
        self.assertEqual(
            self.fs(f"user_data {username}@{self.sip_domain} var user_context"),
            self.server.agent_context,
        )
        # Only a phone's authentication receives the digest hash.
        self.assertNotRegex(
            self.fs(f"user_data {username}@{self.sip_domain} param a1-hash"),
            r"^[0-9a-f]{32}$",
        )
        self.assertEqual(
            self.user_exists(f"{self.agent.cc_extension}-nosuchuser"), "false"
        )

        secret = self.server.directory_secret
        self.server.directory_secret = "Not-FreeSWITCHs-directory-secret-0123"
        self.assertEqual(self.user_exists(username), "false", "wrong secret: nothing")
        self.server.directory_secret = secret
        self.assertEqual(self.user_exists(username), "true")

        self.account._cc_revoke()
        self.run_after_commit()
        self.assertEqual(self.user_exists(username), "false", "revoked: not found")

    # ------------------------------------------------------------------
    # A phone registers with the generated credentials (SIPp)
    # ------------------------------------------------------------------

    def sip_address(self):
        for line in self.profile_status.splitlines():
            if line.startswith("URL"):
                return line.split("@", 1)[1].strip()
        self.skipTest("no SIP address in 'sofia status profile internal'")

    def register(self, username, password):
        """Whether FreeSWITCH accepts a REGISTER of ``username`` (over UDP,
        digest authentication) with ``password``."""
        scenario = REGISTER_SCENARIO.format(
            user=username, password=password, domain=self.sip_domain
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "register.xml"
            path.write_text(scenario)
            path.chmod(0o600)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind(("", 0))
                local_port = probe.getsockname()[1]
            self.env.flush_all()
            process = subprocess.run(  # noqa: S603 (a test's own command)
                [
                    self.sipp,
                    self.sip_address(),
                    "-sf",
                    str(path),
                    "-m",
                    "1",
                    "-p",
                    str(local_port),
                    "-timeout",
                    "10",
                    "-nostdin",
                ],
                cwd=folder,
                capture_output=True,
                timeout=30,
                check=False,
            )
        return process.returncode == 0

    def test_register_with_generated_credentials(self):
        self.sipp = shutil.which("sipp")
        if not self.sipp:
            self.skipTest(
                "SIPp is not installed (Debian: apt install sip-tester): the "
                "REGISTER with generated credentials is not tried"
            )
        account = self.account
        username, old_password = account.username, account.sudo().password
        self.addCleanup(
            lambda: self.esl().api(
                f"sofia profile {self.server.sip_profile} flush_inbound_reg "
                f"{username}@{self.sip_domain}"
            )
        )
        self.assertTrue(self.register(username, old_password))
        self.assertTrue(self.registrations(username), "registered on FreeSWITCH")

        account.action_rotate()
        self.run_after_commit()
        self.assertTrue(self.wait_unregistered(username), "rotation drops it")
        self.assertFalse(self.register(username, old_password), "old password")
        self.assertTrue(self.register(username, account.sudo().password))
        self.assertTrue(self.registrations(username))

        self.device.action_revoke()
        self.run_after_commit()
        self.assertEqual(account.state, "revoked")
        self.assertTrue(self.wait_unregistered(username), "revocation drops it")
        self.assertFalse(self.register(username, old_password))
        self.assertFalse(self.registrations(username))


REGISTER_SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="REGISTER with digest authentication">
  <send retrans="500"><![CDATA[
REGISTER sip:{domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:{user}@{domain}>;tag=[call_number]
To: <sip:{user}@{domain}>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:{user}@[local_ip]:[local_port];transport=[transport]>
Expires: 60
User-Agent: cc_telephony live test
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:{domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:{user}@{domain}>;tag=[call_number]
To: <sip:{user}@{domain}>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:{user}@[local_ip]:[local_port];transport=[transport]>
[authentication username={user} password={password}]
Expires: 60
User-Agent: cc_telephony live test
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
"""
