"""From a YAML node tree to a typed ``RuleBook``, reporting every field-level problem.

Each field is judged on its own here (type, sign, decimal places, allowed values): ``fields``
reads one field of any kind, ``book`` the header, ``rules`` a rule's id, kind and eligibility,
``kinds`` the parameters of each kind, ``tiers`` the tiers and rewards. What needs the whole
book or several books (references between rules, tiers as ranges, versions and dates across
files) is judged in ``check``. A field that cannot be read becomes ``None`` so the other checks
still run on the rest of the book. ``loyalty`` reads a loyalty program's book
(``program: loyalty``), a flat set of parameters.
"""

from orchestration.rulebooks.parse.book import VERSION_RE, parse_book
from orchestration.rulebooks.parse.loyalty import is_loyalty, parse_loyalty_book

__all__ = ["VERSION_RE", "is_loyalty", "parse_book", "parse_loyalty_book"]
