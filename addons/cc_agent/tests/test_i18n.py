from odoo.tests import TransactionCase, tagged

from .common import TranslationCompletenessMixin


@tagged("post_install", "-at_install")
class TestCcAgentArabic(TranslationCompletenessMixin, TransactionCase):
    def test_arabic_translation_is_complete(self):
        self.assertArabicComplete("cc_agent")
