from . import test_i18n
from . import test_agent_payslip
