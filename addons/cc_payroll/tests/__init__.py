from . import test_access
from . import test_agent_payslip
from . import test_gosi
from . import test_i18n
from . import test_lock
from . import test_pay_schemes
from . import test_register
from . import test_wps
