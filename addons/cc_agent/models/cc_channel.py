"""The kinds of handled contact, shared by interactions and contract rates."""

CHANNELS = [
    ("inbound_call", "Inbound call"),
    ("outbound_call", "Outbound call"),
    ("email", "E-mail"),
    ("ticket", "Ticket resolved"),
    ("other", "Other"),
]
