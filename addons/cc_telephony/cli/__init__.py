from . import cc_listener
