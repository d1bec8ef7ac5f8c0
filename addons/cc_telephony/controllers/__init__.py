from . import recording
