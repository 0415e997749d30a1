"""Roster and customer master rows that fail a check: ghost keys, so no real key is lost, and
conflicting or repeated rows of real keys, which keep their earlier value."""

from __future__ import annotations

from orchestration.generate.customers import REGIONS, draw_master_changes, new_customer
from orchestration.generate.draft import Draft
from orchestration.generate.names import person_name
from orchestration.generate.roster import rep_row


def plant_reference(draft: Draft) -> None:
    csv_snaps = [i for i in range(draft.n_months) if not draft.is_parquet(i)]
    _plant_reps(draft, csv_snaps)
    _plant_customers(draft, csv_snaps)


def _plant_reps(draft: Draft, csv_snaps: list[int]) -> None:
    y0 = draft.year0
    hire = draft.iso(draft.first - 20)
    draft.ghost_rep = draft.new_ghost_rep()  # its row lacks a name -> its sales: unknown_rep
    draft.rep_extra[0].append([draft.ghost_rep, "", draft.teams[0], "account_exec", hire, ""])
    draft.rep_extra[0].append(
        [draft.new_ghost_rep(), person_name(draft.rng), draft.teams[-1], "sdr", f"{y0}-02-30", ""]
    )  # bad_type
    if len(csv_snaps) > 1:  # conflict inside a later delivery: key keeps earlier value
        s = csv_snaps[1]
        p = next(
            p
            for p in draft.active_reps
            if p.first_snap == 0
            and not p.moves
            and p.leave is None
            and p.role != "manager"
            and p.mult < 3
        )
        row = [draft.iso(v) if isinstance(v, int) else (v or "") for v in rep_row(p, s)]
        row[2] = next(t for t in draft.teams + ["T99"] if t != row[2])
        draft.rep_extra[s].append(row)
        draft.plant("reps", s, 2)  # both rows of the key are quarantined
    else:
        gid = draft.new_ghost_rep()
        draft.rep_extra[0].append([gid, person_name(draft.rng), draft.teams[0], "sdr", hire, ""])
        draft.rep_extra[0].append([gid, person_name(draft.rng), draft.teams[-1], "sdr", hire, ""])
        draft.plant("reps", 0, 2)
    p = draft.active_reps[0]
    draft.rep_extra[0].append(
        [draft.iso(v) if isinstance(v, int) else (v or "") for v in rep_row(p, 0)]
    )
    draft.plant("reps", 0, 3)


def _plant_customers(draft: Draft, csv_snaps: list[int]) -> None:
    """Ghosts that fail (one used by a sale and one by a survey later), a conflict, a repeat."""
    created = draft.iso(draft.first - 40)

    def ghost(seg: str = "smb", region: str = "East", when: str = created) -> str:
        c = new_customer(draft, seg, 0)
        draft.cust_extra[0].append([c.cid, c.name, seg, region, when])
        return c.cid

    draft.ghost_cust_enum = ghost(seg="Enterprise")
    draft.ghost_cust_missing = ghost(region="")
    ghost(when=f"{draft.year0}-02-30")
    draft.plant("customers", 0, 3)
    conflict = draft.base_custs[len(draft.base_custs) // 2]
    if len(csv_snaps) > 1:
        s = csv_snaps[1]
        c = conflict
        for region in (c.region, next(r for r in REGIONS if r != c.region)):
            draft.cust_extra[s].append([c.cid, c.name, c.seg, region, draft.iso(c.created)])
        draft.plant("customers", s, 2)
    else:
        cid = ghost()
        draft.cust_extra[0].append([cid, "Duplicate Name Ltd.", "smb", "West", created])
        draft.plant("customers", 0, 2)
    c = draft.base_custs[0]
    draft.cust_extra[0].append([c.cid, c.name, c.seg, c.region, draft.iso(c.created)])
    draft.plant("customers", 0, 1)
    draw_master_changes(draft, [c for c in draft.base_custs if c is not conflict])


def plant_random_reference(draft: Draft, i: int) -> None:
    """Ghost roster and customer rows of month i that fail a check (real keys keep their value)."""
    rng = draft.rng
    ym, start, _, nd = draft.months[i]
    bad_dates = ("", f"{ym}-{nd + 1}", f"{ym[:4]}-06-31", "01/03/2024", "2026.01.05")
    snap_rows = sum(1 for p in draft.people if p.first_snap <= i)
    for _ in range(int(draft.dirty_rate * snap_rows + rng.random())):
        row = [
            draft.new_ghost_rep(),
            person_name(rng),
            rng.choice(draft.teams),
            "sdr",
            draft.iso(start - 3),
            "",
        ]
        col = rng.randrange(1, 6)  # name, team, role: missing; hire, leave: bad date
        row[col] = rng.choice(bad_dates[1:] if col == 5 else bad_dates) if col >= 4 else ""
        draft.rep_extra[i].append(row)
        draft.plant("reps", i)
    cust_rows = len(draft.new_custs[i]) + (len(draft.base_custs) if i == 0 else 0)
    for _ in range(int(draft.dirty_rate * cust_rows + rng.random())):
        c = new_customer(draft, None, 0)
        row = [c.cid, c.name, c.seg, c.region, draft.iso(start)]
        col = rng.randrange(1, 5)  # name, region: missing; segment: enum; created: date
        if col == 2:
            row[col] = rng.choice(("", "retail", "SMB", "Enterprise"))
        else:
            row[col] = rng.choice(bad_dates) if col == 4 else ""
        draft.cust_extra[i].append(row)
        draft.plant("customers", i)
