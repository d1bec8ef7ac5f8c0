import re
import uuid
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.cc_summons import token_hash
from .common import TelephonyHttpCase

LINK = re.compile(r"/cc_telephony/summons/([\w-]+)/accept")


@tagged("post_install", "-at_install")
class TestSummons(TelephonyHttpCase):
    """Standby summons: the trigger, who is summoned, the answers, the log.

    The hours left and the leaves are helper methods of cc_agent with their
    own tests; here they are set per agent (self.hours_left, self.on_leave)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        cls.agent.work_email = "amal@example.com"
        cls.agent_2.work_email = "badr@example.com"
        cls.agent_3 = cls._make_agent("Agent Chadi", "cc_agent_3")
        cls.agent_4 = cls._make_agent("Agent Dalal", "cc_agent_4")
        # Eman is not in the queue.
        cls.agent_5 = cls._make_agent("Agent Eman", "cc_agent_5", in_queue=False)
        cls.queue.write(
            {
                "cc_summon_waiting": 3,
                "cc_summon_wait": 0,
                "agent_ids": [(4, cls.agent_3.id), (4, cls.agent_4.id)],
            }
        )
        cls.Episode = cls.env["cc.summons.episode"]
        cls.Summons = cls.env["cc.summons"]
        cls.Presence = cls.env["cc.presence.log"]

    @classmethod
    def _make_agent(cls, name, login, in_queue=True):
        user = new_test_user(
            cls.env, login=login, name=name, groups="cc_agent.group_cc_agent"
        )
        return cls.env["hr.employee"].create(
            {
                "name": name,
                "user_id": user.id,
                "is_cc_agent": True,
                "work_email": f"{login}@example.com",
                "tz": "Asia/Riyadh",
            }
        )

    def setUp(self):
        super().setUp()
        self.hours_left = dict.fromkeys(
            (
                self.agent | self.agent_2 | self.agent_3 | self.agent_4 | self.agent_5
            ).ids,
            4.0,
        )
        self.on_leave = set()
        # "real": cc_agent's own helpers answer.
        self.helpers = "set"
        Employee = type(self.env["hr.employee"])
        real_hours_left = Employee._cc_hours_left
        real_on_leave = Employee._cc_on_leave
        test = self

        def hours_left(self, agents, when=None):
            if test.helpers == "real":
                return real_hours_left(self, agents, when)
            return {agent.id: test.hours_left.get(agent.id, 0.0) for agent in agents}

        def on_leave(self, agents, start, end):
            if test.helpers == "real":
                return real_on_leave(self, agents, start, end)
            return set(agents.ids) & test.on_leave

        for name, method in (
            ("_cc_hours_left", hours_left),
            ("_cc_on_leave", on_leave),
        ):
            patcher = patch.object(Employee, name, method)
            patcher.start()
            self.addCleanup(patcher.stop)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def set_waiting(self, count, queue=None):
        """Makes ``count`` callers wait in the queue (calls queued a minute
        apart, the oldest first) and lets the queue count them."""
        queue = queue or self.queue
        Call = self.env["cc.call"].sudo()
        waiting = Call.search(
            [("queue_id", "=", queue.id), ("state", "in", ("queued", "offering"))],
            order="id",
        )
        now = fields.Datetime.now()
        if len(waiting) > count:
            waiting[count:].write({"state": "ended", "date_ended": now})
        for n in range(len(waiting), count):
            Call.create(
                {
                    "unique_id": str(uuid.uuid4()),
                    "server_id": self.server.id,
                    "direction": "inbound",
                    "state": "queued",
                    "queue_id": queue.id,
                    "date_created": now - timedelta(minutes=10 - n),
                    "date_queued": now - timedelta(minutes=10 - n),
                }
            )
        queue._cc_waiting()

    def open_episode(self, waiting=3):
        self.set_waiting(waiting)
        episode = self.Episode.search([("queue_id", "=", self.queue.id)])
        self.assertEqual(len(episode), 1)
        return episode

    def set_state(self, agent, state, origin="agent"):
        self.Presence._cc_set_state(agent, state, origin=origin)

    def summoned(self, episode):
        return episode.summons_ids.agent_id

    def link_token(self, agent):
        mail = self.env["mail.mail"].search(
            [("email_to", "=", agent.work_email)], order="id desc", limit=1
        )
        self.assertTrue(mail, f"no e-mail to {agent.name}")
        return LINK.search(mail.body_html).group(1)

    # ------------------------------------------------------------------
    # The trigger
    # ------------------------------------------------------------------

    def test_waiting_threshold_opens_one_episode(self):
        self.set_waiting(2)
        self.assertFalse(self.Episode.search([("queue_id", "=", self.queue.id)]))
        self.set_waiting(3)
        episode = self.Episode.search([("queue_id", "=", self.queue.id)])
        self.assertEqual(len(episode), 1)
        self.assertEqual(episode.state, "open")
        self.assertEqual(episode.trigger, "waiting")
        self.assertEqual(episode.trigger_value, 3)
        self.assertEqual(episode.threshold, 3)
        self.set_waiting(5)
        self.assertEqual(
            self.Episode.search_count([("queue_id", "=", self.queue.id)]), 1
        )

    def test_expected_wait_threshold(self):
        """(waiting + 1) × AHT / agents on duty against cc_summon_wait."""
        self.queue.write(
            {"cc_summon_waiting": 0, "cc_summon_wait": 120, "cc_aht_recent": 100}
        )
        self.set_state(self.agent, "available")
        self.set_state(self.agent_2, "on_call", origin="telephony")
        # 1 waiting: 2 × 100 / 2 = 100 s, under 120 s.
        self.set_waiting(1)
        self.assertFalse(self.Episode.search([("queue_id", "=", self.queue.id)]))
        # 2 waiting: 3 × 100 / 2 = 150 s.
        self.set_waiting(2)
        episode = self.Episode.search([("queue_id", "=", self.queue.id)])
        self.assertEqual(episode.trigger, "wait")
        self.assertEqual(episode.trigger_value, 150)
        self.assertEqual(episode.agents_on_duty, 2)
        # Under 120 s: 3 agents; 2 on duty, plus the margin of one.
        self.assertEqual(episode.agents_needed, 3)
        self.assertEqual(episode.agents_wanted, 2)
        # Up to twice that many invited: the two agents not online.
        self.assertEqual(self.summoned(episode), self.agent_3 | self.agent_4)

    def test_nobody_on_duty_is_an_infinite_wait(self):
        self.queue.write({"cc_summon_waiting": 0, "cc_summon_wait": 120})
        self.set_waiting(1)
        episode = self.Episode.search([("queue_id", "=", self.queue.id)])
        self.assertEqual(episode.trigger, "wait")
        self.assertEqual(episode.expected_wait, -1)

    def test_no_threshold_never_summons(self):
        self.queue.write({"cc_summon_waiting": 0, "cc_summon_wait": 0})
        self.set_waiting(10)
        self.assertFalse(self.Episode.search([("queue_id", "=", self.queue.id)]))

    def test_trigger_does_nothing_when_the_count_is_unchanged(self):
        self.set_waiting(1)
        Queue = type(self.env["cc.queue"])
        with (
            patch.object(Queue, "_cc_check_summons") as check,
            patch.object(Queue, "_cc_board_changed") as board,
        ):
            self.queue._cc_waiting()
            check.assert_not_called()
            board.assert_not_called()
            self.set_waiting(2)
            check.assert_called_once()
            board.assert_called_once()

    def test_a_failing_summons_does_not_cost_the_listener_its_count(self):
        Queue = type(self.env["cc.queue"])
        with (
            patch.object(Queue, "_cc_check_summons", side_effect=ValueError("boom")),
            mute_logger("odoo.addons.cc_telephony.models.cc_queue"),
        ):
            self.set_waiting(4)
        self.assertEqual(self.queue.waiting_count, 4)
        self.assertFalse(self.Episode.search([("queue_id", "=", self.queue.id)]))
        # The cron's next run summons.
        self.Episode._cron_check()
        self.assertTrue(self.Episode.search([("queue_id", "=", self.queue.id)]))

    def test_unchanged_count_costs_only_the_count(self):
        self.set_waiting(4)
        self.env.invalidate_all()
        # The queue's row and the count of its callers, nothing more.
        with self.assertQueryCount(2):
            self.queue._cc_waiting()

    # ------------------------------------------------------------------
    # Who is summoned
    # ------------------------------------------------------------------

    def test_eligible_agents(self):
        """Summoned: the queue's agents who are offline, not on leave, with
        half an hour left under their caps. Badr is online, Chadi on leave,
        Dalal has 20 minutes left, Eman is not in the queue."""
        self.set_state(self.agent_2, "available")
        self.on_leave.add(self.agent_3.id)
        self.hours_left[self.agent_4.id] = 20 / 60
        self.set_state(self.agent, "offline")
        episode = self.open_episode()
        self.assertEqual(self.summoned(episode), self.agent)

    def test_hour_caps_and_leaves_of_cc_agent(self):
        """With cc_agent's own helpers: an agent without a running contract
        has no hours left; Dalal is on leave (a company day off)."""
        self.helpers = "real"
        for agent in self.agent | self.agent_3 | self.agent_4:
            self._make_contract(
                agent,
                date_start=fields.Date.today() - timedelta(days=30),
                date_end=fields.Date.today() + timedelta(days=30),
            )
        now = fields.Datetime.now()
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Dalal's leave",
                "resource_id": self.agent_4.resource_id.id,
                "calendar_id": self.agent_4.resource_calendar_id.id,
                "date_from": now - timedelta(hours=1),
                "date_to": now + timedelta(hours=2),
            }
        )
        episode = self.open_episode()
        # Badr has no contract: no hours.
        self.assertEqual(self.summoned(episode), self.agent | self.agent_3)

    def test_agents_on_a_break_are_online(self):
        reason = self.env["cc.break.reason"].create({"name": "Prayer"})
        self.Presence._cc_set_state(self.agent, "break", reason)
        episode = self.open_episode()
        self.assertNotIn(self.agent, self.summoned(episode))
        self.assertIn(self.agent_2, self.summoned(episode))

    def test_fewest_hours_this_week_first_and_twice_the_agents_wanted(self):
        now = fields.Datetime.now()
        for agent, hours in ((self.agent, 30), (self.agent_2, 2), (self.agent_4, 10)):
            self.Presence.create(
                {
                    "agent_id": agent.id,
                    "state": "available",
                    "date_start": now - timedelta(days=2, hours=hours),
                    "date_end": now - timedelta(days=2),
                    "origin": "agent",
                }
            )
        episode = self.open_episode()
        # No history in the last hour, no wait threshold: one agent wanted
        # (the margin), two invited.
        self.assertEqual(episode.agents_wanted, 1)
        self.assertEqual(self.summoned(episode), self.agent_3 | self.agent_2)

    def test_agent_with_a_pending_summons_elsewhere_is_not_summoned_again(self):
        other = self.env["cc.queue"].create(
            {
                "name": "sales@default",
                "server_id": self.server.id,
                "cc_summon_waiting": 1,
                "agent_ids": [(6, 0, (self.agent | self.agent_5).ids)],
            }
        )
        self.set_waiting(1, queue=other)
        first = self.Episode.search([("queue_id", "=", other.id)])
        self.assertEqual(self.summoned(first), self.agent | self.agent_5)
        episode = self.open_episode()
        self.assertNotIn(self.agent, self.summoned(episode))

    # ------------------------------------------------------------------
    # Idempotence
    # ------------------------------------------------------------------

    def test_trigger_twice_summons_once(self):
        episode = self.open_episode()
        summons = episode.summons_ids
        self.assertEqual(len(summons), 2)
        self.set_waiting(4)
        self.set_waiting(3)
        episode._cc_summon()
        self.Episode._cron_check()
        self.Episode._cron_check()
        self.assertEqual(episode.summons_ids, summons)
        self.assertEqual(
            self.Episode.search_count([("queue_id", "=", self.queue.id)]), 1
        )
        self.assertEqual(
            self.env["mail.mail"].search_count([("subject", "ilike", "needs you")]), 2
        )

    def test_one_summons_per_agent_per_episode_in_sql(self):
        episode = self.open_episode()
        agent = episode.summons_ids[0].agent_id
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
        ):
            self.Summons.create(
                {
                    "episode_id": episode.id,
                    "agent_id": agent.id,
                    "date_sent": fields.Datetime.now(),
                }
            )

    def test_one_open_episode_per_queue_in_sql(self):
        episode = self.open_episode()
        values = {
            "queue_id": self.queue.id,
            "date_start": fields.Datetime.now(),
            "trigger": "waiting",
        }
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
        ):
            with self.env.cr.savepoint():
                self.Episode.create(values)
        # The trigger's own attempt (a race with the cron) is a no-op.
        with mute_logger("odoo.sql_db"):
            self.assertFalse(
                self.Episode._cc_open(self.queue, ("waiting", 3, 3), on_duty=0)
            )
        self.assertEqual(
            self.Episode.search([("queue_id", "=", self.queue.id)]), episode
        )

    # ------------------------------------------------------------------
    # Channels
    # ------------------------------------------------------------------

    def test_email_with_a_one_time_link(self):
        episode = self.open_episode()
        summons = episode.summons_ids.filtered(lambda s: s.agent_id == self.agent)
        mail = self.env["mail.mail"].search([("email_to", "=", "amal@example.com")])
        self.assertEqual(len(mail), 1)
        self.assertIn("Support", mail.subject)
        token = LINK.search(mail.body_html).group(1)
        self.assertEqual(summons.sudo().token_hash, token_hash(token))
        self.assertTrue(summons.sent_email)
        # Only the hash is stored.
        self.assertNotIn(token, str(summons.sudo().read()))

    def test_bus_notification_to_the_summoned_agent_only(self):
        self.set_state(self.agent_2, "available")
        self.hours_left[self.agent_3.id] = 0
        self.hours_left[self.agent_4.id] = 0
        episode = self.open_episode()
        self.assertEqual(self.summoned(episode), self.agent)
        messages = self.bus_messages(self.user_agent, "cc_telephony/summons")
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0]["summons_id"], episode.summons_ids.id)
        self.assertEqual(messages[0]["state"], "sent")
        self.assertEqual(messages[0]["queue"], "Support")
        self.assertEqual(messages[0]["waiting"], 3)
        self.assertFalse(self.bus_messages(self.user_agent_2, "cc_telephony/summons"))
        self.assertFalse(
            self.bus_messages(self.user_supervisor, "cc_telephony/summons")
        )

    def test_sms_where_configured(self):
        self.agent.mobile_phone = "+966501110001"
        self.agent_2.mobile_phone = "+966501110002"
        episode = self.open_episode()
        self.assertFalse(self.env["sms.sms"].search([]))
        self.assertFalse(any(episode.summons_ids.mapped("sent_sms")))
        self.set_waiting(0)
        self.assertEqual(episode.state, "closed")
        self.env["ir.config_parameter"].set_param("cc_telephony.summon_sms", "True")
        self.set_waiting(3)
        episode = self.Episode.search(
            [("queue_id", "=", self.queue.id), ("state", "=", "open")]
        )
        sms = self.env["sms.sms"].search([("number", "=", "+966501110001")])
        self.assertEqual(len(sms), 1)
        self.assertRegex(sms.body, LINK)
        self.assertTrue(
            episode.summons_ids.filtered(lambda s: s.agent_id == self.agent).sent_sms
        )

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    def test_first_answers_logged_in_later_ones_not_needed(self):
        episode = self.open_episode()
        self.assertEqual(episode.agents_wanted, 1)
        first, second = episode.summons_ids.sorted("id")
        result = first.with_user(first.agent_id.user_id).action_answer("accept")
        self.assertEqual(result["state"], "accepted")
        self.assertEqual(first.state, "accepted")
        self.assertEqual(first.answered_via, "notification")
        self.assertTrue(first.date_answered)
        log = self.Presence._cc_current(first.agent_id)[first.agent_id.id]
        self.assertEqual(log.state, "available")
        self.assertEqual(log.origin, "agent")
        # The episode has what it wanted: the other is told.
        self.assertEqual(second.state, "not_needed")
        self.assertEqual(
            self.bus_messages(second.agent_id.user_id, "cc_telephony/summons")[-1][
                "state"
            ],
            "not_needed",
        )
        result = second.with_user(second.agent_id.user_id).action_answer("accept")
        self.assertEqual(result["state"], "not_needed")
        self.assertIn("not needed", result["message"])
        self.assertFalse(self.Presence._cc_current(second.agent_id))

    def test_answers_until_the_episode_has_what_it_wanted(self):
        episode = self.open_episode()
        episode.agents_wanted = 2
        episode._cc_summon()
        summons = episode.summons_ids.sorted("id")
        self.assertEqual(len(summons), 4)
        answers = [
            s.with_user(s.agent_id.user_id).action_answer(reply)["state"]
            for s, reply in zip(
                summons, ("decline", "accept", "accept", "accept"), strict=True
            )
        ]
        self.assertEqual(answers, ["declined", "accepted", "accepted", "not_needed"])
        self.assertEqual(episode.accepted_count, 2)
        # An answer counts once.
        again = (
            summons[0].with_user(summons[0].agent_id.user_id).action_answer("accept")
        )
        self.assertEqual(again["state"], "declined")

    def test_accept_beyond_the_hour_caps_is_refused(self):
        episode = self.open_episode()
        summons = episode.summons_ids[0]
        self.hours_left[summons.agent_id.id] = 0.25
        result = summons.with_user(summons.agent_id.user_id).action_answer("accept")
        self.assertEqual(result["state"], "over_cap")
        self.assertFalse(self.Presence._cc_current(summons.agent_id))

    def test_accept_on_leave_is_refused(self):
        episode = self.open_episode()
        summons = episode.summons_ids[0]
        self.on_leave.add(summons.agent_id.id)
        result = summons.with_user(summons.agent_id.user_id).action_answer("accept")
        self.assertEqual(result["state"], "over_cap")

    def test_nobody_answers_another_agents_summons(self):
        episode = self.open_episode()
        summons = episode.summons_ids.filtered(lambda s: s.agent_id == self.agent)
        with self.assertRaises(AccessError) as refused:
            summons.with_user(self.agent_5.user_id).action_answer("accept")
        # Nor does the refusal say whom it is addressed to.
        self.assertNotIn("Amal", str(refused.exception))
        self.assertEqual(summons.state, "sent")
        with self.assertRaises(AccessError):
            self.Summons.with_user(self.user_agent).search([])

    # ------------------------------------------------------------------
    # The one-tap link
    # ------------------------------------------------------------------

    def test_link_accepts_for_the_agent_logged_in(self):
        episode = self.open_episode()
        token = self.link_token(self.agent)
        self.authenticate("cc_agent", "cc_agent")
        response = self.url_open(
            f"/cc_telephony/summons/{token}/accept", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/odoo"))
        summons = episode.summons_ids.filtered(lambda s: s.agent_id == self.agent)
        self.assertEqual(summons.state, "accepted")
        self.assertEqual(summons.answered_via, "link")
        log = self.Presence._cc_current(self.agent)[self.agent.id]
        self.assertEqual(log.state, "available")
        # Once: the link does nothing more.
        self.set_state(self.agent, "offline")
        self.url_open(f"/cc_telephony/summons/{token}/accept", allow_redirects=False)
        self.assertEqual(
            self.Presence._cc_current(self.agent)[self.agent.id].state, "offline"
        )

    def test_link_needs_a_login(self):
        self.open_episode()
        token = self.link_token(self.agent)
        response = self.url_open(
            f"/cc_telephony/summons/{token}/accept", allow_redirects=False
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_link_of_another_agent_is_refused(self):
        episode = self.open_episode()
        token = self.link_token(self.agent)
        self.authenticate("cc_agent_2", "cc_agent_2")
        response = self.url_open(f"/cc_telephony/summons/{token}/accept")
        self.assertEqual(response.status_code, 403)
        self.assertIn("Agent Amal", response.text)
        summons = episode.summons_ids.filtered(lambda s: s.agent_id == self.agent)
        self.assertEqual(summons.state, "sent")
        self.assertFalse(self.Presence._cc_current(self.agent_2))

    def test_decline_link_and_unknown_link(self):
        episode = self.open_episode()
        token = self.link_token(self.agent)
        self.authenticate("cc_agent", "cc_agent")
        response = self.url_open(f"/cc_telephony/summons/{token}/decline")
        self.assertEqual(response.status_code, 200)
        self.assertIn("declined", response.text)
        summons = episode.summons_ids.filtered(lambda s: s.agent_id == self.agent)
        self.assertEqual(summons.state, "declined")
        response = self.url_open("/cc_telephony/summons/not-a-token/accept")
        self.assertEqual(response.status_code, 404)

    # ------------------------------------------------------------------
    # Closing
    # ------------------------------------------------------------------

    def test_episode_closes_under_half_the_threshold_and_expires_pending(self):
        episode = self.open_episode(waiting=4)
        accepted = episode.summons_ids[0]
        accepted.with_user(accepted.agent_id.user_id).action_answer("accept")
        pending = episode.summons_ids - accepted
        pending.invalidate_recordset(["state"])
        # not_needed already; reopen a pending one to see it expire.
        pending.sudo().write({"state": "sent"})
        self.set_waiting(2)
        self.assertEqual(episode.state, "open")
        self.set_waiting(1)
        self.assertEqual(episode.state, "closed")
        self.assertTrue(episode.date_end)
        self.assertEqual(accepted.state, "accepted")
        self.assertEqual(set(pending.mapped("state")), {"expired"})
        messages = self.bus_messages(
            pending[0].agent_id.user_id, "cc_telephony/summons"
        )
        self.assertEqual(messages[-1]["state"], "expired")
        result = (
            pending[0].with_user(pending[0].agent_id.user_id).action_answer("accept")
        )
        self.assertEqual(result["state"], "expired")
        # Past the threshold again: a new episode.
        self.set_waiting(3)
        self.assertEqual(
            self.Episode.search_count([("queue_id", "=", self.queue.id)]), 2
        )

    def test_cron_closes_when_agents_came(self):
        self.queue.write({"cc_summon_waiting": 0, "cc_summon_wait": 120})
        self.set_waiting(1)
        episode = self.Episode.search([("queue_id", "=", self.queue.id)])
        self.assertEqual(episode.state, "open")
        for agent in self.agent | self.agent_2 | self.agent_3 | self.agent_4:
            self.set_state(agent, "available")
        # 2 × 180 / 4 = 90 s: not under half of 120 s yet.
        self.Episode._cron_check()
        self.assertEqual(episode.state, "open")
        self.set_waiting(0)
        self.assertEqual(episode.state, "closed")
