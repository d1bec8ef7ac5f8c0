import logging
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, mute_logger

STATES = [
    ("pending", "Waiting for an Agent"),
    ("assigned", "Offered to an Agent"),
    ("calling", "Calling"),
    ("done", "Reached"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# A callback still to make: one per number and queue at a time.
OPEN_STATES = ("pending", "assigned", "calling")
_logger = logging.getLogger(__name__)

# Minutes an agent has to start a callback offered to them before it goes to
# someone else (system parameter cc_telephony.callback_assign_minutes).
ASSIGN_MINUTES = 5


class CcCallback(models.Model):
    """A customer to call back: they chose it in the voice menu instead of
    waiting, hung up while waiting, or a supervisor asked for it.

    The customer keeps their place: callbacks are offered to the queue's
    agents in the order of ``date_requested`` (their original queue-join
    time), one at a time per agent, to the one Available the longest; the
    agent calls with click-to-dial, and the call's end says whether the
    customer was reached, else when to try again."""

    _name = "cc.callback"
    _description = "Callback"
    _inherit = ["mail.thread"]
    _order = "date_requested, id"

    state = fields.Selection(
        STATES, default="pending", required=True, index=True, tracking=True
    )
    origin = fields.Selection(
        [
            ("ivr", "Chosen in the Voice Menu"),
            ("abandoned", "Hung Up While Waiting"),
            ("manual", "Created by a Supervisor"),
        ],
        required=True,
        default="manual",
        readonly=True,
    )
    queue_id = fields.Many2one(
        "cc.queue", required=True, index=True, ondelete="cascade", tracking=True
    )
    company_id = fields.Many2one(related="queue_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", index=True)
    number = fields.Char(
        required=True,
        index=True,
        help="The number to call, in international format (E.164).",
    )
    date_requested = fields.Datetime(
        string="Place in the Queue",
        required=True,
        index=True,
        default=fields.Datetime.now,
        help="When the customer joined the queue: callbacks are made in this order.",
    )
    attempt_count = fields.Integer(
        string="Attempts", readonly=True, help="Calls that rang the customer."
    )
    next_attempt = fields.Datetime(
        string="Next Attempt Not Before", readonly=True, index=True
    )
    agent_id = fields.Many2one(
        "hr.employee",
        index=True,
        readonly=True,
        tracking=True,
        domain="[('is_cc_agent', '=', True)]",
    )
    user_id = fields.Many2one(
        "res.users",
        related="agent_id.user_id",
        store=True,
        index=True,
        string="Agent User",
    )
    supervisor_user_id = fields.Many2one(
        "res.users",
        related="agent_id.parent_id.user_id",
        store=True,
        index=True,
        string="Supervisor",
    )
    date_assigned = fields.Datetime(string="Offered At", readonly=True)
    date_done = fields.Datetime(
        string="Reached At",
        readonly=True,
        help="When the customer answered the callback.",
    )
    failure_reason = fields.Char(string="Last Failure", readonly=True, tracking=True)
    call_id = fields.Many2one(
        "cc.call",
        string="Requested During",
        readonly=True,
        index="btree_not_null",
        help="The customer's call in the queue.",
    )
    ticket_id = fields.Many2one("cc.ticket", string="Request", readonly=True)
    call_ids = fields.One2many(
        "cc.call",
        "res_id",
        string="Calls Back",
        domain=[("res_model", "=", "cc.callback")],
        readonly=True,
    )
    passed_agent_ids = fields.Many2many(
        "hr.employee",
        "cc_callback_passed_agent_rel",
        "callback_id",
        "employee_id",
        string="Not Taken By",
        readonly=True,
        help="Agents who let this attempt go: it is offered to the others first.",
    )
    note = fields.Text()

    @api.depends("partner_id", "number")
    def _compute_display_name(self):
        for callback in self:
            callback.display_name = callback.partner_id.name or callback.number or ""

    def init(self):
        # One callback still to make per number and queue, whatever records
        # one at the same moment (the listener, a supervisor, another node):
        # _check_one_open says it clearly, this holds when two do at once.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS cc_callback_one_open"
                " ON cc_callback (queue_id, number) WHERE state IN %s",
                OPEN_STATES,
            )
        )

    @api.constrains("number", "queue_id", "state")
    def _check_one_open(self):
        for callback in self.filtered(lambda c: c.state in OPEN_STATES):
            callback._cc_check_one_open(callback.queue_id, callback.number)

    def _cc_check_one_open(self, queue, number):
        """The error that ``number`` has a callback to make in ``queue``
        already (other than these), if it has."""
        other = self.sudo().search_count(
            [
                ("id", "not in", self.ids),
                ("queue_id", "=", queue.id),
                ("number", "=", number),
                ("state", "in", OPEN_STATES),
            ],
            limit=1,
        )
        if other:
            raise ValidationError(
                self.env._(
                    "The number %(number)s already has a callback to make in "
                    "the queue %(queue)s: one at a time.",
                    number=number,
                    queue=queue.display_name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("number"):
                vals["number"] = self._cc_clean_number(
                    vals["number"], vals.get("queue_id")
                )
            if vals.get("number") and vals.get("state", "pending") in OPEN_STATES:
                # Said before the insert, which cc_callback_one_open would
                # refuse less clearly.
                self.browse()._cc_check_one_open(
                    self.env["cc.queue"].sudo().browse(vals.get("queue_id")),
                    vals["number"],
                )
        callbacks = super().create(vals_list)
        self._cc_dispatch_soon()
        return callbacks

    def write(self, vals):
        if vals.get("number"):
            for callback in self:
                callback_vals = dict(
                    vals,
                    number=self._cc_clean_number(
                        vals["number"], vals.get("queue_id") or callback.queue_id.id
                    ),
                )
                super(CcCallback, callback).write(callback_vals)
            return True
        return super().write(vals)

    def _cc_clean_number(self, number, queue_id):
        """``number`` in E.164 for the queue's company, or an error that says
        it cannot be called."""
        queue = self.env["cc.queue"].sudo().browse(queue_id)
        company = queue.company_id or self.env.company
        e164 = self.env["cc.call"]._cc_normalize(number, company)
        digits = number.strip().removeprefix("+")
        if not e164 and number.strip() == f"+{digits}" and digits.isdigit():
            # In E.164 already (as the phone system gave it), though the
            # phone numbers library does not know its range.
            e164 = number.strip() if 8 <= len(digits) <= 15 else False
        if not e164:
            raise ValidationError(
                self.env._(
                    "The field 'Number' of a callback must be a phone number to "
                    "call, not %(number)s.",
                    number=number,
                )
            )
        return e164

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_call(self):
        """The agent calls the customer back now (click-to-dial): a callback
        offered to them, or one waiting in a queue of theirs."""
        self.ensure_one()
        self.check_access("read")
        agent = self.env.user.employee_id
        mine = self.state == "assigned" and self.agent_id == agent
        takeable = self.state == "pending" and agent in self.queue_id.sudo().agent_ids
        if not agent or not (mine or takeable):
            raise UserError(
                self.env._(
                    "The callback to %(customer)s is not yours to make now (it is "
                    "%(state)s).",
                    customer=self.display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        self.state
                    ],
                )
            )
        self.env["cc.call"].action_dial(
            self.number, res_model=self._name, res_id=self.id
        )
        # sudo: agents only read callbacks; placing the call, checked above,
        # moves theirs on.
        self.sudo().write(
            {
                "state": "calling",
                "agent_id": agent.id,
                "date_assigned": fields.Datetime.now(),
            }
        )
        return True

    def action_cancel(self):
        """A supervisor drops callbacks still to make (the customer called
        again, or asked not to be called)."""
        self.check_access("write")
        for callback in self.filtered(lambda c: c.state in OPEN_STATES):
            callback._cc_withdraw()
            callback.write({"state": "cancelled", "agent_id": False})
        return True

    def action_retry(self):
        """A supervisor tries a failed or cancelled callback again, with its
        attempts counted anew."""
        self.check_access("write")
        self.filtered(lambda c: c.state in ("failed", "cancelled")).write(
            {
                "state": "pending",
                "attempt_count": 0,
                "next_attempt": False,
                "agent_id": False,
                "passed_agent_ids": [Command.clear()],
            }
        )
        return True

    # ------------------------------------------------------------------
    # From the calls
    # ------------------------------------------------------------------

    @api.model
    def _cc_from_call(self, call):
        """The callback of a caller who left ``call``'s queue without an
        agent: they pressed the callback key, or hung up. A number with a
        callback still to make in the queue keeps that one, at the earlier of
        the two places. None when the queue makes no callbacks or the number
        cannot be called."""
        queue = call.queue_id.sudo()
        number = call.number_e164
        if not (queue.cc_callback_enabled and number):
            return self.browse()
        joined = call.date_queued or call.date_created or fields.Datetime.now()
        # sudo: the phone system's work, whoever applies its events.
        Callback = self.sudo()
        domain = [
            ("queue_id", "=", queue.id),
            ("number", "=", number),
            ("state", "in", OPEN_STATES),
        ]
        current = Callback.search(domain, limit=1)
        if not current:
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    return Callback.create(
                        {
                            "origin": "ivr" if call.callback_requested else "abandoned",
                            "queue_id": queue.id,
                            "partner_id": call.partner_id.id,
                            "number": number,
                            "date_requested": joined,
                            "call_id": call.id,
                        }
                    )
            except (IntegrityError, ValidationError):
                # Recorded by another transaction meanwhile (seen by the check
                # before the insert, or refused by cc_callback_one_open).
                current = Callback.search(domain, limit=1)
                if not current:
                    raise
        if joined < current.date_requested:
            current.date_requested = joined
        return current

    @api.model
    def _cc_call_ended(self, call):
        """A call placed for a callback is over: the customer was reached (an
        answer and a conversation), or the callback waits for its next
        attempt, or fails after the queue's last. A failure of the agent's
        own phone is no attempt: someone else makes the callback."""
        callback = self.sudo().browse(call.res_id).exists()
        if not callback or callback.state != "calling":
            return  # already counted
        latest = (
            self.env["cc.call"]
            .sudo()
            .search(
                [("res_model", "=", self._name), ("res_id", "=", callback.id)],
                order="id desc",
                limit=1,
            )
        )
        if call != latest:
            return  # a late event of an earlier attempt
        queue = callback.queue_id
        if call.date_answered and call.talk > 0:
            callback.write(
                {
                    "state": "done",
                    "date_done": call.date_answered,
                    "attempt_count": callback.attempt_count + 1,
                    "failure_reason": False,
                }
            )
            callback._cc_close_request_activities(call)
            return
        reason = call.failure_reason or call.hangup_cause or self.env._("No answer")
        values = {
            "state": "pending",
            "agent_id": False,
            "date_assigned": False,
            "failure_reason": reason,
        }
        if not (call.date_agent_answered or call.date_answered):
            values["passed_agent_ids"] = [Command.link(call.agent_id.id)]
        else:
            attempts = callback.attempt_count + 1
            values["attempt_count"] = attempts
            values["passed_agent_ids"] = [Command.clear()]
            if attempts >= queue.cc_callback_max_attempts:
                values["state"] = "failed"
                values["failure_reason"] = self.env._(
                    "%(reason)s (attempt %(attempt)s of %(attempts)s: no more "
                    "attempts)",
                    reason=reason,
                    attempt=attempts,
                    attempts=queue.cc_callback_max_attempts,
                )
            else:
                values["next_attempt"] = fields.Datetime.now() + timedelta(
                    minutes=queue.cc_callback_retry_minutes
                )
        callback.write(values)
        if values["state"] == "pending":
            self._cc_dispatch_soon()

    @api.model
    def _cc_answered_meanwhile(self, call):
        """The customer called the queue again and an agent answered: their
        callbacks not started yet are cancelled (nobody calls back a
        customer already served; the answered call counts in the KPIs)."""
        callbacks = (
            self.sudo().search(
                [
                    ("queue_id", "=", call.queue_id.id),
                    ("number", "=", call.number_e164),
                    ("state", "in", ("pending", "assigned")),
                    ("date_requested", "<", call.date_answered),
                ]
            )
            if call.number_e164
            else self.browse()
        )
        for callback in callbacks:
            callback._cc_withdraw()
        callbacks.write(
            {
                "state": "cancelled",
                "failure_reason": self.env._(
                    "The customer called again and an agent answered."
                ),
            }
        )

    def _cc_close_request_activities(self, call):
        """The customer was reached: the request's "call back" to-dos are
        done (they were planned when the caller left the queue)."""
        call_type = self.env.ref("mail.mail_activity_data_call")
        activities = self.ticket_id.activity_ids.filtered(
            lambda activity: activity.activity_type_id == call_type
        )
        if activities:
            activities.action_feedback(
                feedback=self.env._(
                    "Called back by %(agent)s: the customer was reached.",
                    agent=call.agent_id.name,
                )
            )

    # ------------------------------------------------------------------
    # Dispatch
    # ------------------------------------------------------------------

    @api.model
    def _cc_dispatch_soon(self):
        """Runs the dispatch after this transaction (an agent became
        Available, a callback is due), when there is one to offer: the
        presence changes of a busy node cost one indexed count."""
        now = fields.Datetime.now()
        due = [
            ("state", "=", "pending"),
            "|",
            ("next_attempt", "=", False),
            ("next_attempt", "<=", now),
        ]
        if not self.sudo().search_count(due, limit=1):
            return
        cron = self.env.ref(
            "cc_telephony.ir_cron_cc_callback_dispatch", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cc_assign_minutes(self):
        """The minutes an agent has to start a callback offered to them
        (system parameter cc_telephony.callback_assign_minutes): a value
        that is not a positive number of minutes counts as the default,
        rather than stopping the dispatch every minute."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("cc_telephony.callback_assign_minutes", ASSIGN_MINUTES)
        )
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            minutes = 0
        if minutes < 1:
            _logger.warning(
                "cc_telephony.callback_assign_minutes is %r, not a number of "
                "minutes: %s used",
                value,
                ASSIGN_MINUTES,
            )
            return ASSIGN_MINUTES
        return minutes

    @api.model
    def _cron_dispatch(self):
        """Offers the callbacks that are due, in the order of the places the
        customers keep, each to the queue's agent Available the longest who
        has no other callback (one at a time); takes back those an agent did
        not start in time."""
        Callback = self.sudo()  # the system's work (cron, or a trigger)
        now = fields.Datetime.now()
        minutes = self._cc_assign_minutes()
        for callback in Callback.search(
            [
                ("state", "=", "assigned"),
                ("date_assigned", "<", now - timedelta(minutes=minutes)),
            ]
        ):
            callback._cc_withdraw()
            callback.write(
                {
                    "state": "pending",
                    "agent_id": False,
                    "date_assigned": False,
                    "passed_agent_ids": [Command.link(callback.agent_id.id)],
                }
            )
        due = Callback.search(
            [
                ("state", "=", "pending"),
                "|",
                ("next_attempt", "=", False),
                ("next_attempt", "<=", now),
            ]
        )
        if not due:
            return
        busy = {
            agent.id
            for [agent] in Callback._read_group(
                [("state", "in", ("assigned", "calling"))], ["agent_id"]
            )
        }
        current = Callback.env["cc.presence.log"]._cc_current(due.queue_id.agent_ids)
        # Longest Available first (as cc.call._cc_next_available_agent).
        free = [
            log.agent_id
            for log in sorted(
                current.values(), key=lambda log: (log.date_start, log.id)
            )
            if log.state == "available"
            and log.agent_id.id not in busy
            and log.agent_id.user_id
        ]
        for callback in due:
            if not free:
                break
            candidates = [a for a in free if a in callback.queue_id.agent_ids]
            if not candidates:
                continue
            # Those who let this attempt go come last (stable: the order of
            # availability stays among the others).
            candidates.sort(key=lambda agent: agent in callback.passed_agent_ids)
            agent = candidates[0]
            free.remove(agent)
            callback.write(
                {"state": "assigned", "agent_id": agent.id, "date_assigned": now}
            )
            callback._cc_offer()

    def _cc_offer(self):
        """Tells the agent (every open tab) that this callback is theirs to
        make: a notification with a button to call now."""
        self.ensure_one()
        self.agent_id.user_id._bus_send("cc_telephony/callback", self._cc_payload())

    def _cc_withdraw(self):
        """Closes the notification of the callback in its agent's tabs."""
        self.ensure_one()
        if self.agent_id.user_id:
            self.agent_id.user_id._bus_send(
                "cc_telephony/callback", {"callback_id": self.id, "state": "gone"}
            )

    def _cc_payload(self):
        self.ensure_one()
        return {
            "callback_id": self.id,
            "state": self.state,
            "customer": self.partner_id.name or False,
            "number": self.number,
            "queue": self.queue_id.display_name,
            "date_requested": fields.Datetime.to_string(self.date_requested),
            "attempt": self.attempt_count + 1,
        }
