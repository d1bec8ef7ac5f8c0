from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """Tells the web client whether the user works as an agent (an agent
        employee in the current company), whatever their role: it shows the
        presence item to agents only."""
        info = super().session_info()
        employee = self.env.user.employee_id
        info["cc_is_agent"] = bool(employee and employee.sudo().is_cc_agent)
        return info
