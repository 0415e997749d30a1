"""The sales organisation: teams, reps (hires, leavers, movers, stars, weak performers) and the
accounts each rep starts with."""

from __future__ import annotations

from orchestration.generate.customers import Customer, new_customer
from orchestration.generate.draft import Draft
from orchestration.generate.names import person_name


class Rep:
    __slots__ = (
        "rep_id",
        "name",
        "role",
        "hire",
        "leave",
        "first_snap",  # the first roster snapshot (month) the rep appears in
        "leave_snap",  # the snapshot that first shows the leave date
        "team0",
        "moves",  # (snapshot, new team)
        "mult",  # sales level
        "count_mult",  # sales count
        "poor",  # poor survey scores
        "star",
        "book",  # the rep's customers
        "n_base",  # accounts the rep starts with
        "former",  # left before the first month
    )

    def team(self, snap: int) -> str:
        team = self.team0
        for at, new in self.moves:
            if at <= snap:
                team = new
        return team

    def active(self, d: int) -> bool:
        return self.hire <= d and (self.leave is None or d <= self.leave)


def rep_row(rep: Rep, snap: int) -> list:
    """The rep as the roster snapshot of month ``snap`` shows them (dates as ordinals)."""
    leave = rep.leave if rep.leave is not None and rep.leave_snap <= snap else None
    return [rep.rep_id, rep.name, rep.team(snap), rep.role, rep.hire, leave]


def teammate(draft: Draft, rep: Rep, snap: int, d: int) -> Rep | None:
    """An active rep of the same team on day d."""
    team = rep.team(snap)
    for p in draft.active_reps:
        if p is not rep and p.team(snap) == team and p.active(d):
            return p
    return None


def draw_roster(draft: Draft) -> None:
    n_teams = _draw_teams(draft)
    people = _draw_people(draft)
    _number_reps(draft, people)
    initial = [p for p in people if not p.former and p.hire < draft.first]
    hires = [p for p in people if not p.former and p.hire >= draft.first]
    draft.rng.shuffle(initial)
    _staff_teams(draft, initial, hires, n_teams)
    _draw_profiles(draft, initial[n_teams:], n_teams)
    _draw_books(draft)


def _draw_teams(draft: Draft) -> int:
    rng = draft.rng
    n_teams = max(1, round(draft.nreps / 6.7))
    width = max(2, len(str(n_teams)))  # text order = numeric order, as ids compare as text
    draft.teams = [f"T{t + 1:0{width}d}" for t in range(n_teams)]
    spread = [1.0] if n_teams == 1 else [0.65 + 0.7 * t / (n_teams - 1) for t in range(n_teams)]
    rng.shuffle(spread)
    draft.team_mult = dict(zip(draft.teams, spread, strict=True))
    draft.team_noise = {
        (t, i): rng.uniform(0.85, 1.15) for i in range(draft.n_months) for t in draft.teams
    }
    return n_teams


def _draw_people(draft: Draft) -> list[Rep]:
    """Reps employed before the first month, reps who left before it, and hires during it."""
    rng, first, n_months = draft.rng, draft.first, draft.n_months
    n_hires = max(1, round(draft.nreps * 0.08))
    n_former = max(1, round(draft.nreps * 0.03))
    people: list[Rep] = []
    for k in range(draft.nreps - n_hires + n_former + n_hires):
        p = Rep()
        p.name, p.moves, p.leave, p.leave_snap = person_name(rng), [], None, 0
        p.first_snap = 0
        p.former, p.poor, p.star, p.mult, p.count_mult = False, False, False, 1.0, 1.0
        p.role = "account_exec"
        if k < draft.nreps - n_hires:
            p.hire = rng.randint(first - 2500, first - 30)
        elif k < draft.nreps - n_hires + n_former:
            p.former = True
            p.hire = rng.randint(first - 2500, first - 400)
            p.leave = rng.randint(first - 150, first - 1)
        else:
            h = 1 + k % (n_months - 1) if n_months > 1 else 0
            _, start, _, nd = draft.months[h]
            p.hire, p.first_snap = start + rng.randrange(min(20, nd)), h
        people.append(p)
    people.sort(key=lambda p: p.hire)
    return people


def _number_reps(draft: Draft, people: list[Rep]) -> None:
    """Ids in hiring order, wide enough for the ghost reps planted later."""
    n_ghosts = 0
    if draft.dirty:
        csv_snaps = sum(1 for i in range(draft.n_months) if not draft.is_parquet(i))
        n_ghosts = 3 + round(draft.dirty_rate * len(people) * csv_snaps)
    width = max(3, len(str(len(people) + n_ghosts + 1)))
    draft.rep_width, draft.rep_no = width, len(people)
    for k, p in enumerate(people, start=1):
        p.rep_id = f"R{k:0{width}d}"
    draft.people = people
    draft.rep_by_id = {p.rep_id: p for p in people}


def _staff_teams(draft: Draft, initial: list[Rep], hires: list[Rep], n_teams: int) -> None:
    """Managers first, then round robin; hires join the smallest team."""
    rng, teams = draft.rng, draft.teams
    sizes = dict.fromkeys(teams, 0)
    for k, p in enumerate(initial):
        p.team0 = teams[k % n_teams]
        sizes[p.team0] += 1
        if k < n_teams:
            p.role, p.mult, p.count_mult = "manager", 0.8, 0.5
        elif rng.random() < 0.25:
            p.role, p.mult = "sdr", 0.6
    for p in hires:
        p.team0 = min(teams, key=lambda t: sizes[t])
        sizes[p.team0] += 1
        p.role = "sdr" if rng.random() < 0.4 else "account_exec"
        p.mult = 0.6 if p.role == "sdr" else 0.9
    for p in draft.people:
        if p.former:
            p.team0 = rng.choice(teams)
        p.mult *= rng.lognormvariate(0.0, 0.4)


def _draw_profiles(draft: Draft, pool: list[Rep], n_teams: int) -> None:
    """Stars, weak sellers, poor survey scores, leavers and movers among the non-managers."""
    rng, n_months = draft.rng, draft.n_months
    n_star = max(1, round(draft.nreps * 0.05))
    n_low = max(1, round(draft.nreps * 0.05))
    stars: list[Rep] = []
    for p in pool:  # one star per team at most, so a star alone never makes every team
        if len(stars) < n_star and p.team0 not in {s.team0 for s in stars}:
            stars.append(p)
    pool = [p for p in pool if p not in stars]
    low, pool = pool[:n_low], pool[n_low:]
    poor, pool = pool[:n_star], pool[n_star:]
    leavers, pool = pool[:n_star], pool[n_star:]
    movers = pool[:n_star] if n_months > 1 and n_teams > 1 else []
    for p in stars:
        p.role, p.mult, p.count_mult, p.star = "account_exec", rng.uniform(6.5, 8.0), 1.3, True
    for p in low:
        p.mult, p.count_mult = rng.uniform(0.15, 0.3), 0.5
    for p in poor:
        p.poor = True
    for k, p in enumerate(leavers):
        j = 1 + k % (n_months - 1) if n_months > 1 else 0
        _, start, _, nd = draft.months[j]
        p.leave, p.leave_snap = start + rng.randint(7, nd - 6), j
    for k, p in enumerate(movers):
        at = 1 + k % (n_months - 1)
        p.moves.append((at, rng.choice([t for t in draft.teams if t != p.team0])))


def _draw_books(draft: Draft) -> None:
    """A few existing accounts per rep, created before the program starts."""
    rng, first = draft.rng, draft.first
    active = [p for p in draft.people if not p.former]
    base: list[Customer] = []
    for p in active:
        p.n_base = rng.randint(2, 5)
        base.extend(
            new_customer(draft, None, rng.randint(first - 1200, first - 1)) for _ in range(p.n_base)
        )
    order = sorted(range(len(base)), key=lambda k: base[k].created)
    ids = [c.cid for c in base]
    for k, src in enumerate(order):
        base[src].cid = ids[k]  # ids follow creation date, like a real master
    pos = 0
    for p in active:
        p.book = base[pos : pos + p.n_base]
        pos += p.n_base
    draft.base_custs = sorted(base, key=lambda c: c.cid)
    draft.active_reps = active
