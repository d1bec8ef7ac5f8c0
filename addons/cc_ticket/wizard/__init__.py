from . import cc_ticket_escalate
from . import cc_ticket_send_back
from . import cc_ticket_verify
from . import cc_ticket_report_export
