from . import esl
