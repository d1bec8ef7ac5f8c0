from . import cc_service_type
