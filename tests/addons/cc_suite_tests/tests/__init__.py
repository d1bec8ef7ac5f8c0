from . import test_security_matrix
from . import test_security_http
