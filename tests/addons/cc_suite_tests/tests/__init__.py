from . import test_security_matrix
from . import test_screenshots
from . import test_e2e_day
from . import test_security_http
