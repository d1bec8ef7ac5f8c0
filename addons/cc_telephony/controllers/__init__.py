from . import freeswitch_directory
from . import recording
from . import softphone
from . import summons
