"""Odoo installed on a phone's home screen is the Call Center app, in the
agent's language; others keep Odoo's own manifest."""

from PIL import Image

from odoo.tests import tagged
from odoo.tools import file_open

from .common import CallCenterHttpCase

MANIFEST = "/web/manifest.webmanifest"


@tagged("post_install", "-at_install")
class TestWebManifest(CallCenterHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        for user in (cls.user_agent, cls.user_internal):
            user.password = f"{user.login}-password-1"

    def login(self, user):
        self.authenticate(user.login, f"{user.login}-password-1")

    def manifest(self):
        response = self.url_open(MANIFEST)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/manifest+json")
        return response.json()

    def test_call_center_app_in_english(self):
        self.login(self.user_agent)
        manifest = self.manifest()
        self.assertEqual(manifest["name"], "Call Center")
        self.assertEqual(manifest["short_name"], "Call Center")
        self.assertEqual((manifest["lang"], manifest["dir"]), ("en", "ltr"))
        self.assertEqual(manifest["start_url"], "/odoo")
        self.assertEqual(manifest["display"], "standalone")
        self.assertEqual(
            [(icon["src"], icon["sizes"]) for icon in manifest["icons"]],
            [
                ("/cc_agent/static/img/cc-icon-192.png", "192x192"),
                ("/cc_agent/static/img/cc-icon-512.png", "512x512"),
            ],
        )
        for icon in manifest["icons"]:
            with file_open(icon["src"].lstrip("/"), "rb") as file:
                image = Image.open(file)
                self.assertEqual("%sx%s" % image.size, icon["sizes"])
                self.assertEqual(image.format, "PNG")
            self.assertEqual(self.url_open(icon["src"]).status_code, 200)

    def test_call_center_app_in_arabic(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.env["ir.module.module"]._load_module_terms(
            ["cc_agent"], ["ar_001"], overwrite=True
        )
        self.user_agent.lang = "ar_001"
        self.login(self.user_agent)
        manifest = self.manifest()
        self.assertEqual(manifest["name"], "مركز الاتصال")
        self.assertEqual((manifest["lang"], manifest["dir"]), ("ar", "rtl"))

    def test_others_keep_odoos_manifest(self):
        self.login(self.user_internal)
        manifest = self.manifest()
        self.assertEqual(manifest["name"], "Odoo")
        self.assertNotIn("cc_agent", str(manifest["icons"]))
        self.authenticate(None, None)
        self.assertEqual(self.manifest()["name"], "Odoo")

    def test_home_screen_icon_on_iphones(self):
        self.login(self.user_agent)
        page = self.url_open("/odoo").text
        self.assertIn(
            '<link rel="apple-touch-icon" href="/cc_agent/static/img/cc-icon-180.png"',
            page,
        )
        self.login(self.user_internal)
        page = self.url_open("/odoo").text
        self.assertIn(
            '<link rel="apple-touch-icon" href="/web/static/img/odoo-icon-ios.png"',
            page,
        )
