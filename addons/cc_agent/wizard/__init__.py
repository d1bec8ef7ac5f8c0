from . import cc_interaction_void
