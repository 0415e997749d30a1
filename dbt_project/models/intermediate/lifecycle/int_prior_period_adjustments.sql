-- PRIOR_PERIOD_ADJUSTMENT (docs/sales-program.md#lifecycle): the close of an open period recomputes every
-- closed period with every row now known and books, per rep and rule, the difference from what
-- was already booked for it: its latest version plus adjustments booked since in the latest
-- versions of other periods. Caps, gates and bonuses are recomputed too, so they are respected
-- and nothing is counted twice. A closed period being restated keeps the adjustments its latest
-- version booked: they were paid then.
{% set ppa = "'PRIOR_PERIOD_ADJUSTMENT'" %}
with periods as (
    select * from {{ ref('int_periods') }}
),

closing as (
    select
        periods.period,
        count(published.version) > 0 as is_published
    from periods
    left join {{ ref('stg_published__publications') }} as published
        on periods.period = published.period
    where periods.is_closing
    group by periods.period
),

latest_versions as (
    select
        period,
        max(version) as version
    from {{ ref('stg_published__publications') }}
    group by period
),

published_lines as (
    select lines.*
    from {{ ref('stg_published__points_ledger') }} as lines
    inner join latest_versions
        on lines.period = latest_versions.period and lines.version = latest_versions.version
),

closed_periods as (
    select periods.period
    from periods
    inner join latest_versions on periods.period = latest_versions.period
    where not periods.is_closing
),

recomputed as (
    select
        lines.period as adjusted_period,
        lines.rep_id,
        lines.rule_id,
        max(lines.rulebook_version) as rulebook_version,
        sum(lines.points) as points
    from {{ ref('int_ledger_lines') }} as lines
    inner join closed_periods on lines.period = closed_periods.period
    group by lines.period, lines.rep_id, lines.rule_id
),

booked_lines as (
    select
        published_lines.period as adjusted_period,
        published_lines.rep_id,
        published_lines.rule_id,
        published_lines.points,
        false as is_adjustment
    from published_lines
    inner join closed_periods on published_lines.period = closed_periods.period
    where published_lines.rule_id <> {{ ppa }}
    union all
    select
        published_lines.adjusted_period,
        published_lines.rep_id,
        published_lines.adjusted_rule_id as rule_id,
        published_lines.points,
        true as is_adjustment
    from published_lines
    cross join closing
    where published_lines.rule_id = {{ ppa }} and published_lines.period <> closing.period
),

booked as (
    select
        adjusted_period,
        rep_id,
        rule_id,
        sum(points) as points,
        sum(case when is_adjustment then points else 0 end) as adjustment_points
    from booked_lines
    group by adjusted_period, rep_id, rule_id
),

differences as (
    select
        coalesce(recomputed.adjusted_period, booked.adjusted_period) as adjusted_period,
        coalesce(recomputed.rep_id, booked.rep_id) as rep_id,
        coalesce(recomputed.rule_id, booked.rule_id) as rule_id,
        recomputed.rulebook_version,
        coalesce(recomputed.points, 0) as recomputed_points,
        coalesce(booked.points, 0) as booked_points,
        coalesce(booked.adjustment_points, 0) as booked_by_adjustments
    from recomputed
    full outer join booked
        on
            recomputed.adjusted_period = booked.adjusted_period
            and recomputed.rep_id = booked.rep_id
            and recomputed.rule_id = booked.rule_id
    where coalesce(recomputed.points, 0) <> coalesce(booked.points, 0)
),

-- The rows behind a difference: recomputed lines that are new or changed against the latest
-- version, and published lines that are gone.
changed_lines as (
    select
        lines.period,
        lines.rep_id,
        lines.rule_id,
        lines.line_id
    from {{ ref('int_ledger_lines') }} as lines
    inner join closed_periods on lines.period = closed_periods.period
    left join published_lines
        on lines.period = published_lines.period and lines.line_id = published_lines.line_id
    where published_lines.line_id is null or published_lines.points <> lines.points
    union all
    select
        published_lines.period,
        published_lines.rep_id,
        published_lines.rule_id,
        published_lines.line_id
    from published_lines
    inner join closed_periods on published_lines.period = closed_periods.period
    left join {{ ref('int_ledger_lines') }} as lines
        on published_lines.period = lines.period and published_lines.line_id = lines.line_id
    where lines.line_id is null and published_lines.rule_id <> {{ ppa }}
),

evidence as (
    select
        period,
        rep_id,
        rule_id,
        {{ dbt.listagg('line_id', "', '", 'order by line_id') }} as line_ids
    from changed_lines
    group by period, rep_id, rule_id
),

new_adjustments as (
    select
        closing.period,
        {{ ppa }} || ':' || differences.adjusted_period || ':' || differences.rule_id || ':'
        || differences.rep_id as line_id,
        differences.rep_id,
        {{ ppa }} as rule_id,
        coalesce(differences.rulebook_version, periods.rulebook_version) as rulebook_version,
        'period' as source,
        differences.adjusted_period as source_id,
        {{ as_points('differences.recomputed_points - differences.booked_points') }} as points,
        differences.adjusted_period || ' ' || differences.rule_id || ' recomputed '
        || {{ decimal_text(as_points('differences.recomputed_points')) }} || ', booked '
        || {{ decimal_text(as_points('differences.booked_points')) }} || ': '
        || {{ decimal_text(as_points('differences.recomputed_points - differences.booked_points')) }}
        || ' (lines new or changed since ' || differences.adjusted_period || ' v'
        || cast(latest_versions.version as {{ dbt.type_string() }}) || ': '
        || coalesce(evidence.line_ids, 'none') || ')' as explanation,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as bigint) as source_row_number,
        cast(null as {{ dbt.type_string() }}) as source_file_hash,
        differences.adjusted_period,
        differences.rule_id as adjusted_rule_id,
        'prior_period_adjustment' as rule_kind,
        {{ text_record([
            ('adjusted_period', 'differences.adjusted_period'),
            ('adjusted_version', 'latest_versions.version'),
            ('adjusted_rule_id', 'differences.rule_id'),
            ('recomputed_points', as_points('differences.recomputed_points')),
            ('booked_in_version',
                as_points('differences.booked_points - differences.booked_by_adjustments')),
            ('booked_by_adjustments', as_points('differences.booked_by_adjustments')),
            ('booked_points', as_points('differences.booked_points')),
            ('changed_lines', 'evidence.line_ids'),
        ]) }} as inputs,
        {{ text_record([]) }} as parameters,
        'recomputed ' || {{ decimal_text(as_points('differences.recomputed_points')) }}
        || ' - booked ' || {{ decimal_text(as_points('differences.booked_points')) }} || ' = '
        || {{ decimal_text(as_points('differences.recomputed_points - differences.booked_points')) }}
            as formula,
        differences.adjusted_period as input_period,
        differences.rule_id as input_rules
    from differences
    cross join closing
    inner join periods on differences.adjusted_period = periods.period
    inner join latest_versions on differences.adjusted_period = latest_versions.period
    left join evidence
        on
            differences.adjusted_period = evidence.period
            and differences.rep_id = evidence.rep_id
            and differences.rule_id = evidence.rule_id
    where not closing.is_published
),

carried_adjustments as (
    select
        published_lines.period,
        published_lines.line_id,
        published_lines.rep_id,
        published_lines.rule_id,
        published_lines.rulebook_version,
        'period' as source,
        published_lines.adjusted_period as source_id,
        published_lines.points,
        published_lines.explanation,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as bigint) as source_row_number,
        cast(null as {{ dbt.type_string() }}) as source_file_hash,
        published_lines.adjusted_period,
        published_lines.adjusted_rule_id,
        'prior_period_adjustment' as rule_kind,
        {{ text_record([('carried_from_version', 'published_lines.version')]) }} as inputs,
        {{ text_record([]) }} as parameters,
        'booked by ' || published_lines.period || ' v'
        || cast(published_lines.version as {{ dbt.type_string() }}) || ': '
        || {{ decimal_text('published_lines.points') }} as formula,
        cast(null as {{ dbt.type_string() }}) as input_period,
        cast(null as {{ dbt.type_string() }}) as input_rules
    from published_lines
    inner join closing on published_lines.period = closing.period
    where published_lines.rule_id = {{ ppa }}
)

select * from new_adjustments
union all
select * from carried_adjustments
