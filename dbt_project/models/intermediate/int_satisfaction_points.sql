-- SATISFACTION: every survey of the period writes a line with the points of its score (0 too).
with periods as (
    select * from {{ ref('int_periods') }}
),

surveys as (
    select * from {{ ref('stg_validated__surveys') }}
)

select
    periods.period,
    'SATISFACTION:' || surveys.survey_id as line_id,
    surveys.rep_id,
    'SATISFACTION' as rule_id,
    periods.rulebook_version,
    'surveys' as source,
    surveys.survey_id as source_id,
    {{ as_points('score_points.points') }} as points,
    'survey ' || surveys.survey_id || ' score ' || cast(surveys.score as {{ dbt.type_string() }})
    || ' = ' || {{ decimal_text(as_points('score_points.points')) }} as explanation,
    surveys.source_file,
    surveys.source_row_number,
    surveys.source_file_hash
from surveys
inner join periods
    on surveys.survey_date between periods.period_start and periods.period_end
inner join {{ ref('satisfaction_points') }} as score_points
    on
        periods.rulebook_version = score_points.rulebook_version
        and surveys.score = score_points.score
