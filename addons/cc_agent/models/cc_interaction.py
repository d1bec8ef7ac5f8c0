import logging
import random
from datetime import datetime, time, timedelta

import pytz
from psycopg2 import IntegrityError

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from .cc_channel import CHANNELS

_logger = logging.getLogger(__name__)

# Fields a locked interaction still accepts: the chatter's own bookkeeping.
LOCK_FREE_FIELDS = {
    "message_main_attachment_id",
    "activity_ids",
    "message_follower_ids",
}


class CcInteraction(models.Model):
    """One handled customer contact: the ledger that quotas and pay both read.

    Telephony, tickets and e-mail record interactions through ``_record``,
    idempotently (a source key names the event they come from); supervisors add
    them by hand or void them with a reason, and the chatter keeps the trail.
    A confirmed pay period locks its interactions: corrections then go into the
    next period as adjustments.
    """

    _name = "cc.interaction"
    _description = "Handled Contact"
    _inherit = ["cc.agent.owned.mixin", "mail.thread"]
    _order = "date_start desc, id desc"
    _rec_name = "reference"

    reference = fields.Char(compute="_compute_reference")
    # Contacts are the pay record: an agent who has some cannot be deleted.
    agent_id = fields.Many2one(ondelete="restrict", tracking=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", index=True, tracking=True
    )
    channel = fields.Selection(CHANNELS, required=True, index=True, tracking=True)
    date_start = fields.Datetime(
        string="Start",
        required=True,
        index=True,
        default=fields.Datetime.now,
        tracking=True,
    )
    date_local = fields.Date(
        string="Day",
        compute="_compute_date_local",
        store=True,
        index=True,
        help="The day of the contact in the agent's time zone: the day its quota "
        "and pay count it on.",
    )
    duration = fields.Integer(string="Duration (s)", tracking=True)
    commission_base = fields.Monetary(
        currency_field="currency_id",
        tracking=True,
        help="The amount the agent's commission is computed on (e.g. the sale).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    source_key = fields.Char(
        copy=False,
        readonly=True,
        help="Identifies the event that produced this contact (e.g. a call's "
        "FreeSWITCH Unique-ID), so that recording it twice records it once.",
    )
    source_model = fields.Char(readonly=True)
    source_id = fields.Many2oneReference(model_field="source_model", readonly=True)
    state = fields.Selection(
        [("valid", "Valid"), ("void", "Void")],
        default="valid",
        required=True,
        index=True,
        tracking=True,
    )
    void_reason = fields.Text(tracking=True)
    locked = fields.Boolean(
        readonly=True,
        copy=False,
        help="Counted in a confirmed pay period: it can no longer change.",
    )
    note = fields.Text()

    _sql_constraints = [
        (
            "source_key_unique",
            "unique(source_key)",
            "This contact is already recorded.",
        ),
        ("duration_positive", "CHECK(duration >= 0)", "A duration cannot be negative."),
    ]

    def _compute_reference(self):
        for interaction in self:
            interaction.reference = (
                f"{interaction.agent_id.name} / {interaction.id or ''}"
            )

    @api.depends("date_start", "agent_id.tz")
    def _compute_date_local(self):
        for interaction in self:
            if not interaction.date_start:
                interaction.date_local = False
                continue
            tz = pytz.timezone(interaction.agent_id.tz or "Asia/Riyadh")
            interaction.date_local = (
                pytz.utc.localize(interaction.date_start).astimezone(tz).date()
            )

    @api.constrains("agent_id")
    def _check_agent(self):
        for interaction in self:
            if not interaction.agent_id.is_cc_agent:
                raise ValidationError(
                    self.env._(
                        "%(employee)s is not a call center agent: the field 'Agent' "
                        "must name one.",
                        employee=interaction.agent_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("locked"):
                raise UserError(
                    self.env._("A new handled contact cannot start locked.")
                )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.context.get("cc_lock") and set(vals) - LOCK_FREE_FIELDS:
            self._cc_check_not_locked()
        return super().write(vals)

    def unlink(self):
        self._cc_check_not_locked()
        return super().unlink()

    def _cc_check_not_locked(self):
        locked = self.filtered("locked")
        if locked:
            raise UserError(
                self.env._(
                    "%(count)s handled contact(s) (%(names)s) belong to a confirmed "
                    "pay period and cannot change. Record the correction in the next "
                    "period as an adjustment.",
                    count=len(locked),
                    names=", ".join(locked[:5].mapped("reference")),
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_void(self, reason):
        """Voids these contacts: they stop counting for quota and pay."""
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "Say why the contact is void: the field 'Void Reason' is empty."
                )
            )
        self.filtered(lambda i: i.state == "valid").write(
            {"state": "void", "void_reason": reason.strip()}
        )
        return True

    def action_restore(self):
        self.filtered(lambda i: i.state == "void").write(
            {"state": "valid", "void_reason": False}
        )
        return True

    # ------------------------------------------------------------------
    # API for the other addons
    # ------------------------------------------------------------------

    @api.model
    def _record(self, vals_list):
        """Records handled contacts once each, whatever the number of calls.

        Each ``vals`` must carry a ``source_key``. Contacts already recorded
        under their key are returned as they are; the others are created.
        Callers are trusted code (the telephony listener, ticket and e-mail
        processing), which checks the acting user's rights before calling.
        """
        keys = [vals.get("source_key") for vals in vals_list]
        if not all(keys):
            raise ValueError(
                "every handled contact recorded through _record needs a source_key"
            )
        sudo = self.sudo().with_context(mail_create_nolog=True, mail_notrack=True)
        existing = {i.source_key: i for i in sudo.search([("source_key", "in", keys)])}
        missing = {}
        for vals in vals_list:
            if vals["source_key"] not in existing:
                missing.setdefault(vals["source_key"], vals)
        if missing:
            try:
                # Together (the telephony listener records many calls'
                # contacts at once); one by one if another transaction
                # recorded one of them meanwhile.
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    created = sudo.create(list(missing.values()))
                existing.update(zip(missing, created, strict=True))
            except IntegrityError:
                for key, vals in missing.items():
                    existing[key] = sudo._record_one(vals)
        # One record per vals, in order: a repeated key gives the same record.
        return self.browse([existing[key].id for key in keys])

    def _record_one(self, vals):
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                return self.create(vals)
        except IntegrityError:
            # Another transaction recorded the same event meanwhile.
            found = self.search([("source_key", "=", vals["source_key"])])
            if not found:
                raise
            return found

    @api.model
    def _lock(self, domain, reference):
        """Locks the valid contacts matching ``domain`` (a confirmed pay period)."""
        records = self.sudo().search(domain + [("locked", "=", False)])
        records.with_context(cc_lock=True).write({"locked": True})
        _logger.info("Locked %s handled contacts for %s", len(records), reference)
        return records

    # ------------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------------

    @api.model
    def _cc_demo_generate(self, days=8, seed=2026):
        """A week of handled contacts for the demo agents (the same each time
        for a given day), their closed days, and today's presence."""
        rng = random.Random(seed)
        agents = self.env["hr.employee"].search(
            [("is_cc_agent", "=", True), ("id", "in", self._cc_demo_agent_ids())],
            order="id",
        )
        partners = self.env["res.partner"].search(
            [("is_company", "=", False), ("user_ids", "=", False)], limit=40, order="id"
        )
        calendar = self.env.company.resource_calendar_id
        now = fields.Datetime.now()
        channels = (
            ["inbound_call"] * 6 + ["outbound_call"] * 2 + ["email", "ticket", "other"]
        )
        vals_list = []
        for agent in agents:
            tz = pytz.timezone(agent.tz or "Asia/Riyadh")
            today = datetime.now(tz).date()
            contract = agent.contract_id
            target = contract.cc_daily_minimum or 10
            start_hour = 17 if contract.cc_regime == "part_time" else 9
            for offset in range(days - 1, -1, -1):
                day = today - timedelta(days=offset)
                if calendar and not calendar._works_on_date(day):
                    continue
                count = max(0, target + rng.randint(-4, 5))
                for number in range(count):
                    minute = rng.randint(0, 200)
                    local = tz.localize(
                        datetime.combine(day, time(start_hour))
                    ) + timedelta(minutes=minute)
                    start = local.astimezone(pytz.utc).replace(tzinfo=None)
                    if start > now:
                        continue
                    channel = rng.choice(channels)
                    vals_list.append(
                        {
                            "agent_id": agent.id,
                            "partner_id": rng.choice(partners).id
                            if partners
                            else False,
                            "channel": channel,
                            "date_start": start,
                            "duration": rng.randint(45, 720),
                            "commission_base": rng.choice([0, 0, 150, 400, 1200])
                            if contract.cc_commission_rate
                            else 0,
                            "source_key": f"demo:{agent.id}:{day}:{number}",
                        }
                    )
        self._record(vals_list)
        self.env["cc.quota.day"]._cc_close_days(agents)
        presence = self.env["cc.presence.log"]
        states = ["available", "on_call", "wrap_up", "break", "available"]
        reason = self.env.ref("cc_agent.cc_break_reason_prayer")
        for agent, state in zip(agents[1:], states, strict=False):
            presence._cc_set_state(
                agent,
                state,
                reason if state == "break" else None,
                origin="system",
                when=now - timedelta(minutes=rng.randint(2, 40)),
            )

    @api.model
    def _cc_demo_agent_ids(self):
        return (
            self.env["ir.model.data"]
            .search([("module", "=", "cc_agent"), ("model", "=", "hr.employee")])
            .mapped("res_id")
        )
