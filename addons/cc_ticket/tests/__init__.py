from . import test_i18n
from . import test_mail_gateway
from . import test_service_type
from . import test_sla
from . import test_ticket_access
from . import test_ticket_flow
from . import test_tour
from . import test_verification
