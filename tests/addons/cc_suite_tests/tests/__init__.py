from . import test_security_matrix
