"""Test helpers shared by the call center addons."""

import logging
import re
from contextlib import contextmanager
from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tools.translate import TranslationModuleReader


class CallCenterCase(TransactionCase):
    """Users in each call center role, and an agent employee."""

    @contextmanager
    def assertRaisesNaming(self, exception, fragment):
        """Like assertRaises (rolled back to a savepoint), and the error's message
        must contain ``fragment``: a clear error names what is wrong."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(fragment, str(caught.exception))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.user_internal = new_test_user(cls.env, login="cc_internal", name="Internal")
        cls.user_agent = new_test_user(
            cls.env,
            login="cc_agent",
            name="Agent Amal",
            groups="cc_agent.group_cc_agent",
        )
        cls.user_agent_2 = new_test_user(
            cls.env,
            login="cc_agent_2",
            name="Agent Badr",
            groups="cc_agent.group_cc_agent",
        )
        cls.user_supervisor = new_test_user(
            cls.env,
            login="cc_supervisor",
            name="Supervisor Dana",
            groups="cc_agent.group_cc_supervisor",
        )
        cls.user_manager = new_test_user(
            cls.env,
            login="cc_manager",
            name="Manager Faisal",
            groups="cc_agent.group_cc_manager",
        )
        cls.agent = cls.env["hr.employee"].create(
            {"name": "Agent Amal", "user_id": cls.user_agent.id, "is_cc_agent": True}
        )
        cls.agent_2 = cls.env["hr.employee"].create(
            {"name": "Agent Badr", "user_id": cls.user_agent_2.id, "is_cc_agent": True}
        )


class TranslationCompletenessMixin:
    """Checks that a module's Arabic translation covers every term it has.

    The terms are the ones Odoo itself would export for the module (models,
    fields, views, data, Python and JS sources), read from the installed
    database; i18n/ar.po must translate each of them.
    """

    def assertArabicComplete(self, module):
        po_path = Path(get_module_path(module)) / "i18n" / "ar.po"
        self.assertTrue(po_path.is_file(), f"{module} ships no i18n/ar.po")
        translated = {
            entry.msgid
            for entry in polib.pofile(str(po_path))
            if entry.msgstr.strip() and "fuzzy" not in entry.flags
        }
        reader = TranslationModuleReader(self.env.cr, modules=[module])
        terms = {source for mod, _t, _n, _r, source, _v, _c in reader if mod == module}
        self.assertTrue(terms, f"no translatable term found for {module}")
        missing = sorted(terms - translated)
        shown = "; ".join(repr(term) for term in missing[:20])
        self.assertFalse(
            missing,
            f"{module}/i18n/ar.po has no Arabic for {len(missing)} term(s): {shown}",
        )


def hoot_hash(name):
    """Hoot's id for a suite or test name (the hash of web's HOOTCommon)."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class HootSuiteCase(HttpCase):
    """Runs a module's Hoot test files (static/tests/**/*.test.js) in Chromium.

    Fails when a test fails, and also when Hoot ran another number of tests
    than the module's files declare (one ``test(`` call per test), so that a
    file dropped from the bundle or a filter matching nothing cannot pass.
    """

    def run_hoot_suite(self, module):
        test_files = (Path(get_module_path(module)) / "static" / "tests").rglob(
            "*.test.js"
        )
        declared = sum(
            len(
                re.findall(
                    r"^\s*test\(", path.read_text(encoding="utf-8"), re.MULTILINE
                )
            )
            for path in test_files
        )
        self.assertTrue(declared, f"{module} declares no Hoot test")
        collect = _Collect()
        # The browser's console reaches the test's own logger (its child "browser").
        self._logger.addHandler(collect)
        try:
            self.browser_js(
                "/web/tests?headless&loglevel=2&preset=desktop&timeout=15000"
                f"&suite={hoot_hash('@' + module)}",
                "",
                "",
                login="admin",
                timeout=1800,
                success_signal="[HOOT] test suite succeeded",
                error_checker=lambda message: "[HOOT]" not in message,
            )
        finally:
            self._logger.removeHandler(collect)
        passed = [
            int(found[1])
            for message in collect.messages
            if (found := re.search(r"passed (\d+) tests", message))
        ]
        self.assertTrue(passed, "Hoot did not report how many tests passed")
        self.assertEqual(
            passed[-1],
            declared,
            f"Hoot ran {passed[-1]} of the {declared} tests of @{module}",
        )
