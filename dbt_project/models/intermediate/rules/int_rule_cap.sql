-- Kind cap (SALES_CAP in 2026.1): a rep whose family subtotal S in a period exceeds the limit
-- gets one line limit - S.
with family_subtotals as (
    select * from {{ ref('int_rule_family_subtotals') }}
),

capped as (
    select
        family_subtotals.*,
        replace(family_subtotals.family, '|', '+') as family_text,
        rules.limit_points,
        rules.roles,
        rules.teams
    from family_subtotals
    inner join {{ ref('rules') }} as rules
        on
            family_subtotals.rulebook_version = rules.rulebook_version
            and family_subtotals.rule_id = rules.rule_id
            and rules.kind = 'cap'
    where family_subtotals.family_points > rules.limit_points
)

select
    period,
    rule_id || ':' || rep_id as line_id,
    rep_id,
    rule_id,
    rulebook_version,
    'ledger' as source,
    family_text || ':' || rep_id as source_id,
    {{ as_points('limit_points - family_points') }} as points,
    family_text || ' subtotal ' || {{ money_text('family_points') }} || ' exceeds cap '
    || {{ money_text('limit_points') }} || ': '
    || {{ decimal_text(as_points('limit_points')) }} || ' - '
    || {{ decimal_text('family_points') }} || ' = '
    || {{ decimal_text(as_points('limit_points - family_points')) }} as explanation,
    {{ no_lineage() }},
    'cap' as rule_kind,
    {{ text_record([('family_subtotal', 'family_points')]) }} as inputs,
    {{ text_record([('family', 'family'), ('limit_points', 'limit_points')]
        + eligibility_parameters('roles', 'teams')) }} as parameters,
    'limit ' || {{ decimal_text('limit_points') }} || ' - subtotal ' || {{ decimal_text('family_points') }}
    || ' = ' || {{ decimal_text(as_points('limit_points - family_points')) }} as formula,
    period as input_period,
    family as input_rules
from capped
