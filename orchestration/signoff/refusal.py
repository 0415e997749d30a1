"""The one error of sign-off: a request refused, with what to do instead."""


class SignoffRefused(Exception):
    """An approval, rejection or payout that may not happen; the message says why and what to
    do instead."""
