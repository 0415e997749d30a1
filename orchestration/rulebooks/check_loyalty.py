"""Checking loyalty rule books: a book as a whole, and the loyalty books as a set.

``parse.loyalty`` judges each field alone. Here: whether redemptions are possible at all under
the book's limit, whether a version starts mid-month, and, across files, one effective date per
loyalty version and one label per version of either program (a label names the promoted file
and is written on every ledger line, whichever program it belongs to).
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestration.rulebooks.model import LoyaltyBook, RuleBook
from orchestration.rulebooks.problems import Problem, Severity


def check_loyalty_book(book: LoyaltyBook) -> list[Problem]:
    problems: list[Problem] = []

    def add(field_name: str, message: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(Problem(book.file, book.line_of(field_name), field_name, message, severity))

    if book.effective_from is not None and book.effective_from.day != 1:
        add(
            "effective_from",
            f"effective_from {book.effective_from} is not the first day of a month: purchases, "
            "welcome points and redemptions follow it from that day, but the frequency bonus of "
            "that month (dated its last day) follows it for the whole month, and the monthly "
            "redemption limit changes in the middle of a month",
            Severity.WARNING,
        )
    limit, unit = book.monthly_limit, book.redemption_unit
    if limit is not None and unit is not None:
        if limit < unit:
            add(
                "monthly_limit",
                f"the monthly_limit {limit} is less than one redemption_unit ({unit} points): "
                "no redemption could ever be accepted",
            )
        elif limit % unit:
            add(
                "monthly_limit",
                f"the monthly_limit {limit} is not a multiple of the redemption_unit {unit}: at "
                f"most {limit - limit % unit} points can be redeemed in a month",
                Severity.WARNING,
            )
    return problems


def check_loyalty_set(books: Sequence[LoyaltyBook | RuleBook]) -> list[Problem]:
    """Problems between books, given in file order: a loyalty version's effective date clashing
    with another loyalty version's, and a label that a book of the *other* program already uses
    (clashes within the sales program are ``check.check_set``'s). Reported on the later file."""
    problems = []
    for index, book in enumerate(books):
        earlier = books[:index]
        is_loyalty = isinstance(book, LoyaltyBook)
        same_label = next(
            (
                other
                for other in earlier
                if book.version
                and other.version == book.version
                and (is_loyalty or isinstance(other, LoyaltyBook))
            ),
            None,
        )
        if same_label is not None:
            problems.append(
                Problem(
                    book.file,
                    book.line_of("version"),
                    "version",
                    f"version {book.version} is also defined in {same_label.file} (line "
                    f"{same_label.line_of('version')}); each rule book, sales or loyalty, needs "
                    "its own version label",
                )
            )
        if not is_loyalty:
            continue
        same_day = next(
            (
                other
                for other in earlier
                if isinstance(other, LoyaltyBook)
                and book.effective_from
                and other.effective_from == book.effective_from
            ),
            None,
        )
        if same_day is not None:
            problems.append(
                Problem(
                    book.file,
                    book.line_of("effective_from"),
                    "effective_from",
                    f"loyalty version {book.version} takes effect on {book.effective_from}, the "
                    f"same day as loyalty version {same_day.version} in {same_day.file} (line "
                    f"{same_day.line_of('effective_from')}); versions need distinct effective "
                    "dates",
                )
            )
    return problems
