from . import cc_pbx_server
