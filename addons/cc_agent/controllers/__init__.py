from . import webmanifest
