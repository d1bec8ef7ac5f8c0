import re

from odoo.tests import tagged

from .common import CallCenterHttpCase


@tagged("post_install", "-at_install")
class TestArabicRightToLeft(CallCenterHttpCase):
    """An agent working in Arabic gets a right-to-left web client: Odoo mirrors
    the stylesheets with rtlcss, and silently serves them unmirrored without
    it (it only logs a warning, which the test command rejects)."""

    def test_arabic_web_client_is_mirrored(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        self.user_agent.write({"lang": "ar_001", "password": "agent-password-1"})
        self.authenticate("cc_agent", "agent-password-1")
        page = self.url_open("/odoo").text
        links = re.findall(r'href="(/web/assets/[^"]+\.css)"', page)
        rtl = [link for link in links if ".rtl." in link]
        self.assertTrue(rtl, f"no right-to-left stylesheet among {links}")
        css = self.url_open(rtl[0]).text
        # Bootstrap's .text-start aligns left; mirrored, it aligns right.
        self.assertRegex(css, r"\.text-start\s*\{\s*text-align:\s*right\s*!important")
        self.assertNotRegex(css, r"\.text-start\s*\{\s*text-align:\s*left")
