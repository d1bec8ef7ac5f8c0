from . import test_agent_profile
from . import test_groups_and_menus
from . import test_i18n
from . import test_js
