-- Kind gate (QUALITY_GATE in 2026.1): a rep with at least min_surveys surveys in the period whose
-- mean score is below the threshold, and a family subtotal S > 0, loses
-- round(factor x S', 2), where S' is S after the gate's cap (min(S, limit) in 2026.1).
with periods as (
    select * from {{ ref('int_periods') }}
),

survey_stats as (
    select
        periods.period,
        surveys.rep_id,
        count(*) as survey_count,
        sum(surveys.score) as score_sum
    from {{ ref('stg_validated__surveys') }} as surveys
    inner join periods
        on surveys.survey_date between periods.period_start and periods.period_end
    group by periods.period, surveys.rep_id
),

-- The score_points rules of each version: their lines show the surveys a gate counts.
score_rules as (
    select
        rulebook_version,
        {{ dbt.listagg('rule_id', "'|'", 'order by rule_id') }} as rule_ids
    from {{ ref('rules') }}
    where kind = 'score_points'
    group by rulebook_version
),

gated as (
    select
        subtotals.period,
        subtotals.rep_id,
        subtotals.rule_id,
        subtotals.rulebook_version,
        subtotals.family,
        replace(subtotals.family, '|', '+') as family_text,
        survey_stats.survey_count,
        survey_stats.score_sum,
        subtotals.family_points,
        rules.factor,
        rules.mean_score_below,
        rules.min_surveys,
        rules.cap_rule_id,
        rules.roles,
        rules.teams,
        caps.points as cap_points,
        score_rules.rule_ids as score_rule_ids,
        subtotals.family_points + coalesce(caps.points, 0) as capped_points
    from {{ ref('int_rule_family_subtotals') }} as subtotals
    inner join {{ ref('rules') }} as rules
        on
            subtotals.rulebook_version = rules.rulebook_version
            and subtotals.rule_id = rules.rule_id
            and rules.kind = 'gate'
    inner join survey_stats
        on subtotals.period = survey_stats.period and subtotals.rep_id = survey_stats.rep_id
    left join {{ ref('int_rule_cap') }} as caps
        on
            subtotals.period = caps.period
            and subtotals.rep_id = caps.rep_id
            and rules.cap_rule_id = caps.rule_id
    left join score_rules
        on subtotals.rulebook_version = score_rules.rulebook_version
    where
        survey_stats.survey_count >= rules.min_surveys
        and survey_stats.score_sum < rules.mean_score_below * survey_stats.survey_count
        and subtotals.family_points > 0
)

select
    period,
    rule_id || ':' || rep_id as line_id,
    rep_id,
    rule_id,
    rulebook_version,
    'ledger' as source,
    'SATISFACTION:' || rep_id as source_id,
    {{ as_points('-' ~ round_half_away('factor * capped_points')) }} as points,
    cast(survey_count as {{ dbt.type_string() }}) || ' surveys, mean score '
    || {{ decimal_text(as_points('1.0 * score_sum / survey_count')) }} || ' < '
    || {{ rate_text('mean_score_below') }} || ' with ' || family_text || ' '
    || {{ decimal_text('family_points') }} || ': -' || {{ rate_text('factor') }}
    || ' x ' || {{ decimal_text('capped_points') }} || ' = -'
    || {{ decimal_text(as_points(round_half_away('factor * capped_points'))) }} as explanation,
    {{ no_lineage() }},
    'gate' as rule_kind,
    {{ text_record([
        ('survey_count', 'survey_count'), ('score_sum', 'score_sum'),
        ('mean_score', as_points('1.0 * score_sum / survey_count')),
        ('family_subtotal', 'family_points'), ('cap_points', 'cap_points'),
        ('capped_subtotal', 'capped_points'),
    ]) }} as inputs,
    {{ text_record([
        ('family', 'family'), ('min_surveys', 'min_surveys'),
        ('mean_score_below', rate_text('mean_score_below')), ('factor', rate_text('factor')),
        ('cap_rule_id', 'cap_rule_id'),
    ] + eligibility_parameters('roles', 'teams')) }} as parameters,
    'subtotal ' || {{ decimal_text('family_points') }} || ' + cap '
    || {{ decimal_text(as_points('coalesce(cap_points, 0)')) }} || ' = '
    || {{ decimal_text('capped_points') }} || '; -('
    || {{ product_formula(
        'capped subtotal', 'capped_points', 'factor', 'factor', 'capped_points * factor',
        as_points(round_half_away('factor * capped_points'))
    ) }}
    || ') = ' || {{ decimal_text(as_points('-' ~ round_half_away('factor * capped_points'))) }} as formula,
    period as input_period,
    family || coalesce('|' || cap_rule_id, '') || coalesce('|' || score_rule_ids, '') as input_rules
from gated
