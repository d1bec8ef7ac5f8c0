from . import cc_queue_demand_learn
from . import cc_staffing_line_plan
from . import cc_staffing_line_invite
from . import cc_staffing_line_invite_candidate
from . import cc_queue_kpi_export
