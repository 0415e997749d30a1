{{ config(meta={"dagster": {"ref": {"name": "rules"}}}) }}
-- The compiled rule book holds what the rule kinds need (`jifen rules check` reports the same
-- problems with their place in the YAML; this guards the seeds dbt actually reads).
with versions as (
    select
        rulebook_version,
        count(*) over (partition by rulebook_version) as copies,
        count(*) over (partition by effective_from) as same_start
    from {{ ref('rulebooks') }}
),

rules as (
    select
        rulebook_version,
        rule_id,
        kind,
        count(*) over (partition by rulebook_version, rule_id) as copies
    from {{ ref('rules') }}
)

select 'version ' || rulebook_version || ' is listed twice or shares its effective_from' as problem
from versions
where copies > 1 or same_start > 1
union all
select 'rule ' || rulebook_version || '/' || rule_id || ' is listed twice' from rules
where copies > 1
union all
select 'rule ' || rulebook_version || '/' || rule_id || ' has unknown kind ' || coalesce(kind, '(none)')
from rules
where
    kind is null
    or kind not in (
        'amount_rate', 'first_sale', 'score_points', 'cap', 'gate', 'team_bonus', 'spiff',
        'distinct_customers'
    )
union all
select 'rule ' || rules.rulebook_version || '/' || rules.rule_id || ' has no rule book version'
from rules
left join versions on rules.rulebook_version = versions.rulebook_version
where versions.rulebook_version is null
