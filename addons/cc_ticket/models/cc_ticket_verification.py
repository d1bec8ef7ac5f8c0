import hmac
import logging
from datetime import timedelta

import pyotp

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# How long a code is good for, and how many wrong codes end a check.
CODE_MINUTES = 10
MAX_ATTEMPTS = 3


def _mask_email(email):
    name, _at, domain = (email or "").partition("@")
    return f"{name[:2]}{'*' * max(len(name) - 2, 1)}@{domain}" if domain else ""


class CcTicketVerification(models.Model):
    """A check of the caller's identity by a one-time code.

    The code goes to the customer's registered address (their contact record,
    never an address the caller gives on the phone); the caller reads it back
    and the agent types it. The code expires and a few wrong tries end the
    check; the outcome, time and method stay on the request.
    """

    _name = "cc.ticket.verification"
    _description = "Caller Identity Check"
    _order = "create_date desc, id desc"

    ticket_id = fields.Many2one(
        "cc.ticket", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    method = fields.Selection(
        [("email", "Code by e-mail"), ("sms", "Code by SMS")],
        required=True,
        default="email",
    )
    destination = fields.Char(help="Where the code was sent, masked.")
    # The secret never leaves the server (only system administrators read it).
    secret = fields.Char(groups="base.group_system", copy=False)
    sent_at = fields.Datetime(readonly=True)
    expires_at = fields.Datetime(readonly=True)
    attempts = fields.Integer(readonly=True)
    state = fields.Selection(
        [
            ("pending", "Waiting for the code"),
            ("verified", "Verified"),
            ("failed", "Failed (too many wrong codes)"),
            ("expired", "Expired"),
        ],
        default="pending",
        required=True,
        readonly=True,
    )
    verified_at = fields.Datetime(readonly=True)
    agent_user_id = fields.Many2one("res.users", string="Checked By", readonly=True)

    # ------------------------------------------------------------------

    @api.model
    def _start(self, ticket, method="email"):
        """Sends a new code to the customer of ``ticket``."""
        partner = ticket.partner_id
        if not partner:
            raise UserError(
                self.env._(
                    "%(ticket)s has no customer: choose the customer before checking "
                    "who is calling.",
                    ticket=ticket.name,
                )
            )
        if method == "email" and not partner.email:
            raise UserError(
                self.env._(
                    "%(customer)s has no registered e-mail address: the code cannot "
                    "be sent.",
                    customer=partner.name,
                )
            )
        if method == "sms" and ("sms.sms" not in self.env or not partner.mobile):
            raise UserError(
                self.env._(
                    "Codes by SMS need the SMS app and a registered mobile number for "
                    "%(customer)s.",
                    customer=partner.name,
                )
            )
        # A new code cancels the pending ones.
        ticket.verification_ids.filtered(lambda v: v.state == "pending").sudo().write(
            {"state": "expired"}
        )
        now = fields.Datetime.now()
        secret = pyotp.random_base32()
        check = self.sudo().create(
            {
                "ticket_id": ticket.id,
                "partner_id": partner.id,
                "method": method,
                "destination": _mask_email(partner.email)
                if method == "email"
                else f"…{partner.mobile[-3:]}",
                "secret": secret,
                "sent_at": now,
                "expires_at": now + timedelta(minutes=CODE_MINUTES),
                "agent_user_id": self.env.uid,
            }
        )
        code = pyotp.HOTP(secret).at(0)
        if method == "email":
            template = self.env.ref(
                "cc_ticket.mail_template_cc_ticket_verification_code"
            )
            template.sudo().with_context(
                cc_code=code, cc_minutes=CODE_MINUTES
            ).send_mail(
                check.id,
                force_send=True,
                email_layout_xmlid="mail.mail_notification_light",
            )
        else:
            self.env["sms.sms"].sudo().create(
                {
                    "number": partner.mobile,
                    "partner_id": partner.id,
                    "body": self.env._(
                        "Your verification code: %(code)s (valid %(minutes)s minutes).",
                        code=code,
                        minutes=CODE_MINUTES,
                    ),
                }
            ).send()
        ticket.message_post(
            body=self.env._(
                "Identity check: a code was sent to %(destination)s.",
                destination=check.destination,
            ),
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )
        return check.with_env(self.env)

    def _check_code(self, code):
        """The code the caller read back: 'verified', 'wrong' (tries left),
        'failed' (no tries left) or 'expired'. It never raises for a wrong or
        late code, so that the try is counted: the caller of this method tells
        the agent."""
        self.ensure_one()
        # Only who may read the check (its request's agents) answers it.
        self.check_access("read")
        check = self.sudo()
        if check.state != "pending":
            raise UserError(
                self.env._(
                    "This identity check is over (%(state)s): send a new code.",
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        check.state
                    ],
                )
            )
        now = fields.Datetime.now()
        if now > check.expires_at:
            check.state = "expired"
            return "expired"
        check.attempts += 1
        expected = pyotp.HOTP(check.secret).at(0)
        if hmac.compare_digest(expected, (code or "").strip()):
            check.write(
                {"state": "verified", "verified_at": now, "agent_user_id": self.env.uid}
            )
            check.ticket_id.message_post(
                body=self.env._(
                    "Identity verified by %(method)s.",
                    method=dict(
                        self._fields["method"]._description_selection(self.env)
                    )[check.method],
                ),
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
            return "verified"
        if check.attempts >= MAX_ATTEMPTS:
            check.state = "failed"
            check.ticket_id.message_post(
                body=self.env._(
                    "Identity check failed: %(n)s wrong codes.", n=MAX_ATTEMPTS
                ),
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
            return "failed"
        return "wrong"
