"""Checking rule books: every problem of every book, with file, line and YAML path.

``parse`` judges each field alone; here the book is judged as a whole (references between
rules, tiers as ranges, rewards) and the books as a set (one label and one effective date per
version), and, when a workspace is given, against its loaded reps (teams and roles). A book
with a top-level ``program`` is a loyalty book: it is parsed and checked by its own modules
(``parse.loyalty``, ``check_loyalty``) and reported in ``CheckReport.loyalty_books``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.paths import REPO_ROOT
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.check_loyalty import check_loyalty_book, check_loyalty_set
from orchestration.rulebooks.model import CURRENCY, ROW_KINDS, LoyaltyBook, RuleBook
from orchestration.rulebooks.parse import is_loyalty, parse_book, parse_loyalty_book
from orchestration.rulebooks.problems import Problem, Severity, errors_of
from orchestration.rulebooks.source import Document, parse_text, read_file
from orchestration.rulebooks.workspace_facts import RepFacts, rep_facts


@dataclass
class CheckReport:
    """The books that could be read and every problem found, in file and line order. ``books``
    are the sales program's, ``loyalty_books`` the loyalty program's."""

    books: list[RuleBook] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    loyalty_books: list[LoyaltyBook] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return errors_of(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.NOTE]

    @property
    def ok(self) -> bool:
        return not self.errors

    def book_of(self, file: str) -> RuleBook | None:
        return next((book for book in self.books if book.file == file), None)

    def loyalty_book_of(self, file: str) -> LoyaltyBook | None:
        return next((book for book in self.loyalty_books if book.file == file), None)


def display_name(path: Path) -> str:
    """How a file is named in messages: relative to the repository when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(REPO_ROOT))
    except ValueError:
        return str(resolved)


def load_document(document: Document) -> tuple[RuleBook | None, list[Problem]]:
    """Parse one read document; its problems include the YAML's own."""
    book = parse_book(document)
    return book, list(document.problems)


def load_file(path: Path) -> tuple[RuleBook | None, list[Problem]]:
    return load_document(read_file(path, display_name(path)))


def load_text(text: str, file: str, path: Path | None = None):
    return load_document(parse_text(text, file, path))


def check_book(book: RuleBook) -> list[Problem]:
    """Problems of one book as a whole (its fields were judged when it was parsed)."""
    problems: list[Problem] = []

    def add(line: int | None, path: str, message: str, severity=Severity.ERROR) -> None:
        problems.append(Problem(book.file, line, path, message, severity))

    if book.currency and book.currency != CURRENCY:
        add(
            book.line_of("currency"),
            "currency",
            f"the currency is {book.currency}; the program currency is {CURRENCY} (sales in any "
            "other currency are quarantined, never converted)",
        )
    if book.effective_from is not None and book.effective_from.day != 1:
        add(
            book.line_of("effective_from"),
            "effective_from",
            f"effective_from {book.effective_from} is not the first day of a month: sales, "
            "first sales, surveys and spiffs follow it from that day, but caps, gates, team "
            "bonuses and tiers only from the next month",
            Severity.WARNING,
        )
    _check_rules(book, add)
    _check_tiers(book, add)
    return problems


def _check_rules(book: RuleBook, add) -> None:
    first_line: dict[str, int] = {}
    for rule in book.rules:
        if not rule.id:
            continue
        if rule.id in first_line:
            add(
                rule.line_of("id"),
                f"{rule.path}.id",
                f"rule id {rule.id} is used twice (first on line {first_line[rule.id]}); "
                "each rule needs its own id",
            )
        else:
            first_line[rule.id] = rule.line_of("id")
    by_id = {}
    for rule in book.rules:
        by_id.setdefault(rule.id, rule)
    unreadable = book.listed_rule_ids - set(by_id)  # already reported where they are

    def refer(rule, field_name, target, kinds, what, path, needs):
        subject = f"rule {rule.id or rule.path}"
        if target in unreadable:
            return
        other = by_id.get(target)
        if other is None:
            add(
                rule.line_of(field_name),
                path,
                f"{subject} {what} {target}, but this rule book has no rule {target}",
            )
        elif other.kind not in kinds:
            add(
                rule.line_of(field_name),
                path,
                f"{subject} {what} {target}, but {target} is {_a(other.kind)} rule; {needs}",
            )

    family_kinds = f"{', '.join(ROW_KINDS[:-1])} or {ROW_KINDS[-1]}"
    for rule in book.rules:
        for index, member in enumerate(rule.family):
            refer(
                rule,
                "family",
                member,
                ROW_KINDS,
                "counts in its family the rule",
                f"{rule.path}.family[{index}]",
                f"a family may only count {family_kinds} rules",
            )
        if rule.cap:
            refer(
                rule,
                "cap",
                rule.cap,
                ("cap",),
                "uses the cap",
                f"{rule.path}.cap",
                "a gate's cap must be a cap rule",
            )
            cap = by_id.get(rule.cap)
            if cap is not None and cap.kind == "cap" and set(cap.family) != set(rule.family):
                add(
                    rule.line_of("cap"),
                    f"{rule.path}.cap",
                    f"rule {rule.id} uses the cap {cap.id}, whose family "
                    f"({', '.join(cap.family)}) differs from its own ({', '.join(rule.family)})",
                    Severity.WARNING,
                )
        if rule.base:
            refer(
                rule,
                "base",
                rule.base,
                ("amount_rate",),
                "rides on the base rule",
                f"{rule.path}.base",
                "a spiff's base must be an amount_rate rule",
            )


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _check_tiers(book: RuleBook, add) -> None:
    seen: dict[str, int] = {}
    for tier in book.tiers:
        if tier.name in seen:
            add(
                tier.line,
                f"{tier.path}.tier",
                f"tier {tier.name} is listed twice (first on line {seen[tier.name]})",
            )
        else:
            seen[tier.name] = tier.line
    for reward_name in sorted(book.listed_rewards - book.listed_tiers):
        reward = next((r for r in book.rewards if r.tier == reward_name), None)
        add(
            reward.line if reward else book.line_of("rewards"),
            f"rewards.{reward_name}",
            f"there is a reward for tier {reward_name}, but no tier {reward_name} in tiers",
        )
    for tier in book.tiers:
        if tier.name not in book.listed_rewards and "rewards" in book.lines:
            add(
                tier.line,
                tier.path,
                f"tier {tier.name} has no reward; add it under rewards "
                f"({tier.name}: {{reward: ..., cash_value: ...}})",
            )
    if not book.tiers_readable:
        return  # ranges of a partly unreadable list would report phantom gaps
    ordered = sorted(book.tiers, key=lambda tier: tier.start)
    for tier in ordered:
        if tier.below is not None and tier.below <= tier.start:
            add(
                tier.line,
                f"{tier.path}.below",
                f"tier {tier.name} runs from {tier.start} to below {tier.below}; "
                "from must be less than below",
            )
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        if lower.below is None:
            add(
                lower.line,
                lower.path,
                f"tier {lower.name} has no upper end (below), but tier {upper.name} starts above "
                "it; only the highest tier may be open-ended",
            )
        elif lower.below < upper.start:
            add(
                upper.line,
                f"{upper.path}.from",
                f"tiers {lower.name} and {upper.name} leave a gap: {lower.name} ends below "
                f"{lower.below} but {upper.name} starts at {upper.start}; a total in between "
                f"would have no tier (start {upper.name} at {lower.below})",
            )
        elif lower.below > upper.start:
            add(
                upper.line,
                f"{upper.path}.from",
                f"tiers {lower.name} and {upper.name} overlap: {lower.name} runs to below "
                f"{lower.below} but {upper.name} starts at {upper.start} (start {upper.name} "
                f"at {lower.below})",
            )
    if ordered and ordered[-1].below is not None:
        top = ordered[-1]
        add(
            top.line,
            f"{top.path}.below",
            f"the highest tier {top.name} ends below {top.below}; leave out its below: a total "
            "above it would have no tier",
        )


def check_set(books: Sequence[RuleBook]) -> list[Problem]:
    """Problems between books: one label and one effective date per version.

    Reported on the later file, naming the earlier one (for a candidate: on the candidate)."""
    problems = []
    for index, book in enumerate(books):
        earlier = books[:index]
        same_label = next((o for o in earlier if book.version and o.version == book.version), None)
        if same_label is not None:
            problems.append(
                Problem(
                    book.file,
                    book.line_of("version"),
                    "version",
                    f"version {book.version} is also defined in {same_label.file} (line "
                    f"{same_label.line_of('version')}); each rule book needs its own version "
                    "label",
                )
            )
        same_day = next(
            (o for o in earlier if book.effective_from and o.effective_from == book.effective_from),
            None,
        )
        if same_day is not None:
            problems.append(
                Problem(
                    book.file,
                    book.line_of("effective_from"),
                    "effective_from",
                    f"version {book.version} takes effect on {book.effective_from}, the same day "
                    f"as version {same_day.version} in {same_day.file} (line "
                    f"{same_day.line_of('effective_from')}); versions need distinct effective "
                    "dates",
                )
            )
    return problems


def check_against_reps(book: RuleBook, facts: RepFacts) -> list[Problem]:
    """Targets for teams nobody is in (error); roles and teams nobody has (warning)."""
    if not facts.known:
        return []
    problems = []
    teams = ", ".join(sorted(facts.teams or ()))
    roles = ", ".join(sorted(facts.roles or ()))
    for rule in book.rules:
        for team in sorted(rule.targets):
            if team not in facts.teams:
                problems.append(
                    Problem(
                        book.file,
                        rule.line_of(f"targets.{team}"),
                        f"{rule.path}.targets.{team}",
                        f"rule {rule.id} has a target for team {team}, but no loaded rep is in "
                        f"team {team} (teams: {teams})",
                    )
                )
        for team in rule.teams:
            if team not in facts.teams:
                problems.append(
                    Problem(
                        book.file,
                        rule.line_of("teams"),
                        f"{rule.path}.teams",
                        f"rule {rule.id} is for team {team}, but no loaded rep is in team {team} "
                        f"(teams: {teams})",
                        Severity.WARNING,
                    )
                )
        for role in rule.roles:
            if role not in facts.roles:
                problems.append(
                    Problem(
                        book.file,
                        rule.line_of("roles"),
                        f"{rule.path}.roles",
                        f"rule {rule.id} is for role {role}, but no loaded rep has the role "
                        f"{role} (roles: {roles})",
                        Severity.WARNING,
                    )
                )
    return problems


def check_documents(documents: Sequence[Document], *, facts: RepFacts | None = None) -> CheckReport:
    """Check read documents as one set (their order decides which of two clashing files is
    reported: the later one). ``facts=None`` checks the books alone, without the workspace."""
    report = CheckReport()
    in_file_order: list[RuleBook | LoyaltyBook] = []
    for document in documents:
        if is_loyalty(document):
            loyalty = parse_loyalty_book(document)
            report.problems.extend(document.problems)
            if loyalty is not None:
                report.loyalty_books.append(loyalty)
                in_file_order.append(loyalty)
                report.problems.extend(check_loyalty_book(loyalty))
            continue
        book, problems = load_document(document)
        report.problems.extend(problems)
        if book is not None:
            report.books.append(book)
            in_file_order.append(book)
            report.problems.extend(check_book(book))
            if facts is not None:
                report.problems.extend(check_against_reps(book, facts))
    report.problems.extend(check_set(report.books))
    report.problems.extend(check_loyalty_set(in_file_order))
    if facts is not None and not facts.known:
        report.problems.append(Problem("workspace", None, "", facts.note, Severity.NOTE))
    order = {document.file: index for index, document in enumerate(documents)}
    report.problems.sort(key=lambda p: (order.get(p.file, len(order)), p.line or 0))
    return report


def check_files(
    paths: Sequence[Path], *, workspace: Workspace | None = None, against_reps: bool = True
) -> CheckReport:
    """Check rule book files as one set, and against the workspace's loaded reps (teams and
    roles); when there are none to read, a note says so and those checks are skipped.

    ``against_reps=False`` checks the books alone: what compiling needs (a close must not stop
    because a historic book names a team that has since been dissolved)."""
    documents = [read_file(path, display_name(path)) for path in paths]
    facts = rep_facts(workspace) if against_reps else None
    return check_documents(documents, facts=facts)
