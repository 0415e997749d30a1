"""The customer master: customers by segment and region, and the changes later deliveries of a
snapshot bring."""

from __future__ import annotations

from orchestration.generate.draft import Draft
from orchestration.generate.names import company_name, person_name

SEGMENTS = (("enterprise", 0.15, 4.0), ("smb", 0.45, 1.0), ("consumer", 0.40, 0.3))  # share, size
SEGMENT_FACTOR = {name: factor for name, _, factor in SEGMENTS}
REGIONS = ("East", "North", "South", "West", "Central", "Northeast")
UPGRADE = {"consumer": "smb", "smb": "enterprise", "enterprise": "enterprise"}


class Customer:
    __slots__ = ("cid", "name", "seg", "region", "created")


def new_customer(draft: Draft, seg: str | None, created: int) -> Customer:
    """A customer with the next id; ``seg`` None draws one from the segment mix."""
    rng = draft.rng
    if seg is None:
        r = rng.random()
        seg = "consumer"
        for name, p, _ in SEGMENTS:
            if r < p:
                seg = name
                break
            r -= p
    c = Customer()
    draft.cust_no += 1
    c.cid, c.seg, c.created = f"C{draft.cust_no:06d}", seg, created
    c.region = rng.choice(REGIONS)
    c.name = person_name(rng) if seg == "consumer" else company_name(rng)
    return c


def draw_master_changes(draft: Draft, others: list[Customer]) -> None:
    """Legitimate master-data changes in later deliveries (snapshot replacement): about 1 % of
    ``others`` move up a segment, or to another region when already at the top."""
    rng = draft.rng
    for i in range(1, draft.n_months):
        for old in rng.sample(others, max(1, round(len(others) * 0.01))):
            c = Customer()
            c.cid, c.name, c.created = old.cid, old.name, old.created
            c.seg, c.region = UPGRADE[old.seg], old.region
            if c.seg == old.seg:
                c.region = rng.choice(REGIONS)
            draft.cust_updates[i].append(c)
