-- Loaded sales dated while their customer is a member, with the loyalty book in effect that day:
-- the purchases that earn points and count towards the frequency bonus.
select
    sales.txn_id,
    sales.order_id,
    sales.customer_id,
    sales.txn_date,
    sales.amount,
    sales.source_file,
    sales.source_row_number,
    sales.source_file_hash,
    books.rulebook_version,
    books.earn_amount,
    books.expiry_months
from {{ ref('stg_validated__sales') }} as sales
inner join {{ ref('stg_validated__members') }} as members
    on sales.customer_id = members.customer_id and {{ is_member_on('members', 'sales.txn_date') }}
inner join {{ ref('int_loyalty_rulebook_calendar') }} as books
    on sales.txn_date between books.valid_from and books.valid_to
where sales.txn_type = 'sale' and sales.txn_date <= {{ period_end() }}
