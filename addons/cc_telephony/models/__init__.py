from . import cc_pbx_server
from . import cc_queue
from . import cc_call
from . import cc_presence_log
from . import cc_ticket
from . import res_partner
