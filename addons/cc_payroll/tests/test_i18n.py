from odoo.tests import TransactionCase, tagged

from odoo.addons.cc_agent.tests.common import TranslationCompletenessMixin


@tagged("post_install", "-at_install")
class TestCcPayrollArabic(TranslationCompletenessMixin, TransactionCase):
    def test_arabic_translation_is_complete(self):
        self.assertArabicComplete("cc_payroll")
