"""Recordings: served by a controller that checks who asks, never from a
public URL; deleted past their node's retention."""

import os
import tempfile
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import TelephonyHttpCase

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


@tagged("post_install", "-at_install")
class TestRecording(TelephonyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.TemporaryDirectory(prefix="cc_recordings_")
        cls.addClassCleanup(cls.folder.cleanup)
        cls.server.recording_root = cls.folder.name
        os.makedirs(os.path.join(cls.folder.name, "2026", "11", "29"))
        cls.path = os.path.join("2026", "11", "29", "a-1.wav")
        cls.call = cls.env["cc.call"].create(
            {
                "unique_id": "a-1",
                "server_id": cls.server.id,
                "direction": "inbound",
                "agent_id": cls.agent.id,
                "recording_path": cls.path,
                "recording_notice": True,
                "date_ended": fields.Datetime.now() - timedelta(days=100),
            }
        )
        cls.url = f"/cc_telephony/call/{cls.call.id}/recording"

    def setUp(self):
        super().setUp()
        # Files are not rolled back with the test's transaction: each test
        # writes its own.
        with open(os.path.join(self.folder.name, self.path), "wb") as file:
            file.write(WAV)

    def test_the_agent_of_the_call_listens(self):
        self.authenticate("cc_agent", "cc_agent")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, WAV)
        self.assertIn("audio/", response.headers["Content-Type"])
        self.assertIn("no-store", response.headers["Cache-Control"])
        self.assertTrue(self.call.with_user(self.user_agent).has_recording)

    def test_her_supervisor_listens_another_agent_does_not(self):
        self.authenticate("cc_supervisor", "cc_supervisor")
        self.assertEqual(self.url_open(self.url).status_code, 200)
        self.authenticate("cc_agent_2", "cc_agent_2")
        self.assertEqual(self.url_open(self.url).status_code, 404)

    def test_nobody_without_a_session(self):
        self.authenticate(None, None)
        response = self.url_open(self.url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_never_a_file_outside_the_recordings_folder(self):
        secret = os.path.join(os.path.dirname(self.folder.name), "cc_secret.txt")
        with open(secret, "w") as file:
            file.write("not a recording")
        self.addCleanup(os.remove, secret)
        self.call.recording_path = "../cc_secret.txt"
        self.authenticate("cc_manager", "cc_manager")
        self.assertEqual(self.url_open(self.url).status_code, 404)

    def test_retention_deletes_old_recordings(self):
        recent = self.env["cc.call"].create(
            {
                "unique_id": "a-2",
                "server_id": self.server.id,
                "direction": "inbound",
                "agent_id": self.agent.id,
                "recording_path": "a-2.wav",
                "date_ended": fields.Datetime.now() - timedelta(days=3),
            }
        )
        with open(os.path.join(self.folder.name, "a-2.wav"), "wb") as file:
            file.write(WAV)
        self.server.recording_retention_days = 90
        self.env["cc.call"]._cron_purge_recordings()
        self.assertFalse(os.path.exists(os.path.join(self.folder.name, self.path)))
        self.assertTrue(self.call.recording_deleted)
        self.assertFalse(self.call.has_recording)
        self.assertTrue(os.path.exists(os.path.join(self.folder.name, "a-2.wav")))
        self.assertFalse(recent.recording_deleted)
        # The notice given stays on the call (PDPL), the file is gone.
        self.assertTrue(self.call.recording_notice)
        self.authenticate("cc_manager", "cc_manager")
        self.assertEqual(self.url_open(self.url).status_code, 404)
