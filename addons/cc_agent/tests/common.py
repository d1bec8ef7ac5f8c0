"""Test helpers shared by the call center addons."""

import json
import logging
import re
from contextlib import contextmanager
from pathlib import Path

import polib

from odoo import Command
from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tools.translate import TranslationModuleReader

RIYADH = "Asia/Riyadh"


class CallCenterFixture:
    """Users in each call center role, two agents (one in a supervisor's team,
    one in nobody's), and Saudi working calendars."""

    @contextmanager
    def assertRaisesNaming(self, exception, fragment):
        """Like assertRaises (rolled back to a savepoint), and the error's message
        must contain ``fragment``: a clear error names what is wrong."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(fragment, str(caught.exception))

    @classmethod
    def _setup_call_center(cls):
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
        Employee = cls.env["hr.employee"]
        cls.supervisor = Employee.create(
            {"name": "Supervisor Dana", "user_id": cls.user_supervisor.id, "tz": RIYADH}
        )
        cls.agent = Employee.create(
            {
                "name": "Agent Amal",
                "user_id": cls.user_agent.id,
                "is_cc_agent": True,
                "parent_id": cls.supervisor.id,
                "tz": RIYADH,
            }
        )
        # Badr is in nobody's team.
        cls.agent_2 = Employee.create(
            {
                "name": "Agent Badr",
                "user_id": cls.user_agent_2.id,
                "is_cc_agent": True,
                "tz": RIYADH,
            }
        )
        # The company works Sunday to Thursday, 8 hours a day.
        cls.calendar_week = cls._make_calendar("Saudi week", 9, 17)
        cls.calendar_part_time = cls._make_calendar("Evenings", 17, 20)
        cls.env.company.resource_calendar_id = cls.calendar_week

    @classmethod
    def _make_calendar(cls, name, hour_from, hour_to, days=("6", "0", "1", "2", "3")):
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": RIYADH,
                "attendance_ids": [
                    Command.clear(),
                    *(
                        Command.create(
                            {
                                "name": f"Day {day}",
                                "dayofweek": day,
                                "hour_from": hour_from,
                                "hour_to": hour_to,
                                "day_period": "morning",
                            }
                        )
                        for day in days
                    ),
                ],
            }
        )

    @classmethod
    def _make_contract(cls, agent, **values):
        """A running part-time contract paid per contact (values override)."""
        defaults = {
            "name": f"{agent.name} contract",
            "employee_id": agent.id,
            "date_start": "2026-01-01",
            "date_end": "2026-12-31",
            "wage": 0,
            "resource_calendar_id": cls.calendar_part_time.id,
            "cc_regime": "part_time",
            "cc_pay_scheme": "per_contact",
            "cc_daily_minimum": 10,
            "cc_rate_ids": [
                Command.create({"channel": "inbound_call", "rate": 6}),
                Command.create({"channel": "email", "rate": 4}),
            ],
            "state": "open",
        }
        return cls.env["hr.contract"].create({**defaults, **values})


class CallCenterCase(CallCenterFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_call_center()


class CallCenterHttpCase(CallCenterFixture, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_call_center()

    def _call_kw(self, model, method, args, kwargs=None):
        """Calls a model method as the web client does, in this session."""
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()


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
