import hashlib
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .cc_summons_episode import MIN_HOURS_LEFT, ON_DUTY_STATES

STATES = [
    ("sent", "Sent"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("expired", "Expired"),
    ("not_needed", "Not Needed"),
    ("over_cap", "Refused: Hour Caps"),
]


def token_hash(token):
    return hashlib.sha256((token or "").encode()).hexdigest()


class CcSummons(models.Model):
    """An invitation to a standby agent to go Available because a queue needs
    them, and the agent's answer: sent through Odoo's notification, an e-mail
    (and an SMS where the company chose it) with a one-tap link. Only the
    link's hash is stored; the link is usable once, by the agent logged in."""

    _name = "cc.summons"
    _description = "Standby Summons"
    _order = "date_sent desc, id desc"
    _rec_name = "agent_id"

    episode_id = fields.Many2one(
        "cc.summons.episode",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    queue_id = fields.Many2one(related="episode_id.queue_id", store=True, index=True)
    company_id = fields.Many2one(
        related="episode_id.company_id", store=True, index=True
    )
    agent_id = fields.Many2one(
        "hr.employee", required=True, readonly=True, index=True, ondelete="cascade"
    )
    state = fields.Selection(
        STATES, default="sent", required=True, readonly=True, index=True
    )
    date_sent = fields.Datetime(string="Sent", required=True, readonly=True)
    date_answered = fields.Datetime(string="Answered", readonly=True)
    answered_via = fields.Selection(
        [("notification", "Odoo notification"), ("link", "Link (e-mail or SMS)")],
        readonly=True,
    )
    hours_left = fields.Float(
        string="Hours Left When Sent",
        readonly=True,
        help="What the agent could still work that day under their hour caps.",
    )
    sent_notification = fields.Boolean(string="By Notification", readonly=True)
    sent_email = fields.Boolean(string="By E-mail", readonly=True)
    sent_sms = fields.Boolean(string="By SMS", readonly=True)
    token_hash = fields.Char(
        readonly=True, index="btree_not_null", copy=False, groups="base.group_system"
    )

    _sql_constraints = [
        (
            "episode_agent_unique",
            "unique(episode_id, agent_id)",
            "An agent is summoned once per episode.",
        ),
    ]

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _cc_send(self):
        """Tells each summoned agent: a sticky notification in their open Odoo
        tabs, an e-mail with the one-tap link, and an SMS with it when the
        company summons by SMS and the agent has a mobile number."""
        by_sms = self._cc_sms_enabled()
        base_url = self.browse().get_base_url()
        mails, texts = [], []
        for summons in self.sudo():
            agent = summons.agent_id
            token = secrets.token_urlsafe(32)
            url = f"{base_url}/cc_telephony/summons/{token}/accept"
            values = {"token_hash": token_hash(token), "sent_notification": True}
            lang = agent.user_id.lang or self.env.lang
            env = summons.with_context(lang=lang).env
            agent.user_id._bus_send("cc_telephony/summons", summons._cc_payload())
            email = agent.work_email or agent.user_id.email
            if email:
                mails.append(summons._cc_mail_values(env, email, url))
                values["sent_email"] = True
            if by_sms and agent.mobile_phone:
                texts.append(
                    {
                        "number": agent.mobile_phone,
                        "partner_id": agent.user_id.partner_id.id,
                        "body": env._(
                            "%(queue)s needs you: %(waiting)s callers waiting. "
                            "Go Available: %(url)s",
                            queue=summons.queue_id.display_name,
                            waiting=summons.episode_id.waiting_count,
                            url=url,
                        ),
                    }
                )
                values["sent_sms"] = True
            summons.write(values)
        if mails:
            self.env["mail.mail"].sudo().create(mails)
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        if texts:
            self.env["sms.sms"].sudo().create(texts)
            self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()

    @api.model
    def _cc_sms_enabled(self):
        return bool(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("cc_telephony.summon_sms", "")
        )

    def _cc_mail_values(self, env, email, url):
        self.ensure_one()
        queue = self.queue_id.display_name
        body = env["ir.qweb"]._render(
            "cc_telephony.cc_summons_mail",
            {
                "agent_name": self.agent_id.name,
                "queue": queue,
                "waiting": self.episode_id.waiting_count,
                "accept_url": url,
                "decline_url": url[: -len("accept")] + "decline",
            },
        )
        return {
            "subject": env._("%(queue)s needs you now", queue=queue),
            "body_html": body,
            "email_to": email,
            "email_from": self.company_id.email_formatted
            or self.env.company.email_formatted,
            "auto_delete": False,
        }

    def _cc_payload(self):
        """What the agent's tabs show (or close) for this summons."""
        self.ensure_one()
        return {
            "summons_id": self.id,
            "state": self.state,
            "queue": self.queue_id.display_name,
            "waiting": self.episode_id.waiting_count,
        }

    def _cc_finish(self, state):
        """Ends summons nobody answered (``state``: expired, not needed): the
        agents' notifications close."""
        pending = self.sudo().filtered(lambda summons: summons.state == "sent")
        pending.write({"state": state})
        for summons in pending:
            summons.agent_id.user_id._bus_send(
                "cc_telephony/summons", summons._cc_payload()
            )

    # ------------------------------------------------------------------
    # Answering
    # ------------------------------------------------------------------

    @api.model
    def _cc_from_token(self, token):
        """The summons of a one-tap link, or nothing."""
        if not token:
            return self.browse()
        return self.sudo().search([("token_hash", "=", token_hash(token))], limit=1)

    def action_answer(self, answer):
        """The agent's answer from the notification in Odoo: "accept" or
        "decline". Returns {state, message}."""
        self.ensure_one()
        # sudo: agents cannot read the log of summons; this reads whose
        # summons it is, and nobody answers another agent's.
        summons = self.sudo()
        if summons.agent_id.user_id != self.env.user:
            # Whom it is addressed to is not the caller's to learn.
            raise AccessError(self.env._("This summons is not addressed to you."))
        return summons._cc_answer(answer, "notification")

    def _cc_answer(self, answer, via):
        """Records the agent's ``answer`` ("accept" or "decline"), once. An
        acceptance logs the agent in (Available) while the episode still wants
        agents and the agent's hour caps leave them time; later ones are not
        needed. Returns {state, message}: what the agent is told."""
        self.ensure_one()
        if answer not in ("accept", "decline"):
            raise UserError(
                self.env._(
                    "A summons is answered with accept or decline, not %(answer)s.",
                    answer=answer,
                )
            )
        # Two agents accepting at once are counted one after the other: the
        # episode's row is updated (a mere lock would let the second read the
        # count from before the first committed); the second transaction then
        # fails to serialize and is retried, seeing the first's acceptance.
        self.env.cr.execute(
            SQL(
                "UPDATE cc_summons_episode SET write_date = %s WHERE id = %s",
                fields.Datetime.now(),
                self.episode_id.id,
            )
        )
        self.invalidate_recordset(["state"])
        if self.state != "sent":
            return self._cc_answer_result()
        episode = self.episode_id
        agent = self.agent_id
        now = fields.Datetime.now()
        values = {"date_answered": now, "answered_via": via}
        if answer == "decline":
            values["state"] = "declined"
        elif episode.accepted_count >= episode.agents_wanted:
            values["state"] = "not_needed"
        else:
            hours_left = self.env["hr.employee"]._cc_hours_left(agent, now)
            on_leave = self.env["hr.employee"]._cc_on_leave(
                agent, now, now + timedelta(hours=1)
            )
            if hours_left.get(agent.id, 0.0) < MIN_HOURS_LEFT or agent.id in on_leave:
                values["state"] = "over_cap"
            else:
                values["state"] = "accepted"
        self.write(values)
        self._cc_bus_update()
        if self.state == "accepted":
            Presence = self.env["cc.presence.log"].sudo()
            current = Presence._cc_current(agent).get(agent.id)
            # An agent already taking calls stays as they are.
            if not current or current.state not in ON_DUTY_STATES:
                Presence._cc_set_state(agent, "available", origin="agent")
            episode.invalidate_recordset(["accepted_count"])
            if episode.accepted_count >= episode.agents_wanted:
                # The episode has what it wanted: the others are told so.
                (episode.summons_ids - self)._cc_finish("not_needed")
        return self._cc_answer_result()

    def _cc_bus_update(self):
        self.agent_id.user_id._bus_send("cc_telephony/summons", self._cc_payload())

    def _cc_answer_result(self):
        self.ensure_one()
        queue = self.queue_id.display_name
        messages = {
            "accepted": self.env._(
                "Thank you: you are Available in %(queue)s.", queue=queue
            ),
            "declined": self.env._(
                "You declined this summons of %(queue)s.", queue=queue
            ),
            "expired": self.env._(
                "%(queue)s no longer needs more agents: this summons has expired.",
                queue=queue,
            ),
            "not_needed": self.env._(
                "Thank you: enough agents answered for %(queue)s, you are not "
                "needed this time.",
                queue=queue,
            ),
            "over_cap": self.env._(
                "You cannot go Available for %(queue)s: your hour caps leave you "
                "no time today, or you are on leave.",
                queue=queue,
            ),
            "sent": "",
        }
        return {"state": self.state, "message": messages[self.state]}
