from datetime import date, datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError

from .common import CallCenterCase


class TestInteraction(CallCenterCase):
    def _vals(self, key, **values):
        return {
            "agent_id": self.agent.id,
            "channel": "inbound_call",
            "date_start": datetime(2026, 11, 10, 8, 0),
            "duration": 120,
            "source_key": key,
            **values,
        }

    def test_recorded_once_whatever_the_number_of_calls(self):
        Interaction = self.env["cc.interaction"]
        first = Interaction._record([self._vals("call:abc")])
        again = Interaction._record([self._vals("call:abc", duration=999)])
        self.assertEqual(first, again)
        self.assertEqual(first.duration, 120, "a late duplicate changes nothing")
        batch = Interaction._record(
            [self._vals("call:abc"), self._vals("call:def"), self._vals("call:def")]
        )
        self.assertEqual(len(batch), 3)
        self.assertEqual(len(set(batch.ids)), 2)
        self.assertEqual(Interaction.search_count([("source_key", "like", "call:")]), 2)
        with self.assertRaises(ValueError):
            Interaction._record([self._vals(False)])

    def test_new_contacts_are_created_together(self):
        Interaction = self.env["cc.interaction"]
        known = Interaction._record([self._vals("call:known")])
        create = type(Interaction).create
        with patch.object(
            type(Interaction), "create", autospec=True, side_effect=create
        ) as created:
            recorded = Interaction._record(
                [
                    self._vals("call:one"),
                    self._vals("call:known"),
                    self._vals("call:two"),
                    self._vals("call:one"),
                ]
            )
        self.assertEqual(created.call_count, 1)
        self.assertEqual(len(created.call_args.args[1]), 2)
        self.assertEqual(recorded[1], known)
        self.assertEqual(recorded[0], recorded[3])
        self.assertEqual(
            recorded.mapped("source_key"),
            ["call:one", "call:known", "call:two", "call:one"],
        )

    def test_day_is_the_agents_local_day(self):
        """Riyadh is UTC+3: 23:30 there is 20:30 UTC the same day; 00:30 there is
        21:30 UTC the day before."""
        Interaction = self.env["cc.interaction"]
        late = Interaction._record(
            [self._vals("late", date_start=datetime(2026, 11, 10, 20, 30))]
        )
        after_midnight = Interaction._record(
            [self._vals("after", date_start=datetime(2026, 11, 10, 21, 30))]
        )
        self.assertEqual(late.date_local, date(2026, 11, 10))
        self.assertEqual(after_midnight.date_local, date(2026, 11, 11))
        self.agent.tz = "UTC"
        self.assertEqual(after_midnight.date_local, date(2026, 11, 10))

    def test_only_agents_handle_contacts(self):
        with self.assertRaisesNaming(ValidationError, "Agent"):
            self.env["cc.interaction"].create(
                dict(self._vals("x"), agent_id=self.supervisor.id)
            )

    def test_void_needs_a_reason_and_leaves_a_trail(self):
        interaction = (
            self.env["cc.interaction"]
            .with_context(tracking_disable=False)
            .with_user(self.user_supervisor)
            .create(self._vals("manual:1"))
        )
        wizard = interaction.env["cc.interaction.void"]
        with self.assertRaisesNaming(UserError, "Void Reason"):
            interaction.action_void("   ")
        wizard.with_context(active_ids=interaction.ids).create(
            {"reason": "Duplicate of another call"}
        ).action_confirm()
        self.assertEqual(interaction.state, "void")
        self.assertEqual(interaction.void_reason, "Duplicate of another call")
        self.env.cr.precommit.run()  # tracking is written at commit time
        voided = interaction.sudo().message_ids.filtered(
            lambda m: "state" in m.tracking_value_ids.field_id.mapped("name")
        )
        self.assertEqual(len(voided), 1, "the chatter keeps who voided it and when")
        self.assertEqual(voided.author_id, self.user_supervisor.partner_id)
        interaction.action_restore()
        self.assertEqual(interaction.state, "valid")

    def test_locked_contacts_cannot_change(self):
        interaction = self.env["cc.interaction"]._record([self._vals("lock:1")])
        locked = self.env["cc.interaction"]._lock(
            [("id", "=", interaction.id)], "October payroll"
        )
        self.assertEqual(locked, interaction)
        self.assertTrue(interaction.locked)
        for change in (
            lambda: interaction.write({"duration": 5}),
            lambda: interaction.action_void("late correction"),
            lambda: interaction.unlink(),
        ):
            with self.assertRaisesNaming(UserError, "confirmed pay period"):
                change()
        self.assertEqual(interaction.duration, 120)
        self.assertEqual(interaction.state, "valid")
        with self.assertRaisesNaming(UserError, "locked"):
            self.env["cc.interaction"].create(dict(self._vals("lock:2"), locked=True))

    def test_agents_only_read_the_ledger(self):
        interaction = self.env["cc.interaction"]._record([self._vals("read:1")])
        as_agent = interaction.with_user(self.user_agent)
        self.assertEqual(as_agent.duration, 120)
        with self.assertRaises(AccessError):
            as_agent.write({"duration": 600})
        with self.assertRaises(AccessError):
            self.env["cc.interaction"].with_user(self.user_agent).create(
                self._vals("mine")
            )
        with self.assertRaises(AccessError):
            interaction.with_user(self.user_manager).unlink()
