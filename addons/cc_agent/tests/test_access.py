from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CallCenterCase, CallCenterHttpCase


class AccessFixture:
    @classmethod
    def _fixture(cls):
        cls.contract = cls._make_contract(cls.agent)
        cls.contract_2 = cls._make_contract(cls.agent_2)
        Interaction = cls.env["cc.interaction"]
        cls.mine = Interaction._record(
            [
                {
                    "agent_id": cls.agent.id,
                    "channel": "email",
                    "date_start": datetime(2026, 11, 10, 9),
                    "source_key": "access:mine",
                }
            ]
        )
        cls.theirs = Interaction._record(
            [
                {
                    "agent_id": cls.agent_2.id,
                    "channel": "email",
                    "date_start": datetime(2026, 11, 10, 9),
                    "source_key": "access:theirs",
                }
            ]
        )
        Presence = cls.env["cc.presence.log"]
        cls.my_log = Presence._cc_set_state(cls.agent, "available")
        cls.their_log = Presence._cc_set_state(cls.agent_2, "available")
        Quota = cls.env["cc.quota.day"]
        cls.my_day = Quota.create(
            {
                "agent_id": cls.agent.id,
                "date": "2026-11-10",
                "state": "missed",
                "minimum": 10,
            }
        )
        cls.their_day = Quota.create(
            {
                "agent_id": cls.agent_2.id,
                "date": "2026-11-10",
                "state": "met",
                "minimum": 10,
            }
        )


class TestAccess(AccessFixture, CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._fixture()

    def test_agent_sees_only_their_own_work(self):
        for mine, theirs in (
            (self.mine, self.theirs),
            (self.my_log, self.their_log),
            (self.my_day, self.their_day),
            (self.contract, self.contract_2),
            (self.contract.cc_rate_ids, self.contract_2.cc_rate_ids),
        ):
            with self.subTest(model=mine._name):
                Model = self.env[mine._name].with_user(self.user_agent)
                found = Model.search([("id", "in", (mine | theirs).ids)])
                self.assertEqual(found.ids, mine.ids)
                mine.with_user(self.user_agent).read([])
                with self.assertRaises(AccessError):
                    theirs.with_user(self.user_agent).read([])

    def test_agent_reads_their_contract_terms_read_only(self):
        terms = self.contract.with_user(self.user_agent)
        self.assertEqual(terms.cc_daily_minimum, 10)
        self.assertEqual(set(terms.cc_rate_ids.mapped("rate")), {6, 4})
        with self.assertRaises(AccessError):
            terms.write({"cc_daily_minimum": 1})
        with self.assertRaises(AccessError):
            terms.cc_rate_ids.write({"rate": 100})

    def test_supervisor_sees_their_team(self):
        for mine, theirs in (
            (self.mine, self.theirs),
            (self.my_log, self.their_log),
            (self.my_day, self.their_day),
        ):
            Model = self.env[mine._name].with_user(self.user_supervisor)
            self.assertEqual(Model.search([("id", "in", (mine | theirs).ids)]), mine)
            with self.assertRaises(AccessError):
                theirs.with_user(self.user_supervisor).read([])

    def test_manager_sees_everyone(self):
        for records in (
            self.mine | self.theirs,
            self.my_log | self.their_log,
            self.my_day | self.their_day,
            self.contract | self.contract_2,
        ):
            Model = self.env[records._name].with_user(self.user_manager)
            self.assertEqual(Model.search([("id", "in", records.ids)]), records)

    def test_other_company_is_invisible(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.user_manager.write({"company_ids": [(4, other.id)]})
        self.agent_2.company_id = other
        visible = (
            self.env["cc.interaction"]
            .with_user(self.user_manager)
            .with_context(allowed_company_ids=[self.env.company.id])
            .search([])
        )
        self.assertNotIn(self.theirs, visible)


@tagged("post_install", "-at_install")
class TestAccessOverHttp(AccessFixture, CallCenterHttpCase):
    """The same walls, from a browser session: what the web client would call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._fixture()
        cls.user_agent.password = "agent-password-1"
        # Plain password login here; the second factor has its own tests.
        cls.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")

    def test_agent_cannot_read_another_agents_records(self):
        self.authenticate("cc_agent", "agent-password-1")
        for model, mine, theirs in (
            ("cc.interaction", self.mine, self.theirs),
            ("hr.contract", self.contract, self.contract_2),
            ("cc.quota.day", self.my_day, self.their_day),
        ):
            with self.subTest(model=model):
                ok = self._call_kw(model, "read", [mine.ids, ["display_name"]])
                self.assertEqual(ok["result"][0]["id"], mine.id)
                with mute_logger("odoo.http"):  # it logs the refusal, as it should
                    denied = self._call_kw(
                        model, "read", [theirs.ids, ["display_name"]]
                    )
                self.assertEqual(
                    denied["error"]["data"]["name"],
                    "odoo.exceptions.AccessError",
                    denied,
                )
                found = self._call_kw(
                    model, "search_read", [[("id", "in", (mine | theirs).ids)], ["id"]]
                )
                self.assertEqual([row["id"] for row in found["result"]], mine.ids)
