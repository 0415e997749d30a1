-- Each walked member's state at the end of the period (saved by the publication for the next
-- close to resume from), with the digest of the events walked.
select
    {{ period_label() }} as period,
    walk.customer_id,
    -walk.points as debt,
    walk.next_seq,
    walk.month,
    walk.month_redeemed,
    coalesce(digests.digest_through, '') as events_digest
from {{ ref('int_loyalty_walk') }} as walk
left join {{ ref('int_loyalty_event_digests') }} as digests
    on walk.customer_id = digests.customer_id
where walk.record = 'member'
