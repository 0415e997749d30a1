-- SATISFACTION: every survey of the period writes a line with the points of its score (0 too).
with rulebook as (
    select * from {{ ref('int_rulebook_in_effect') }}
),

surveys as (
    select * from {{ ref('stg_validated__surveys') }}
)

select
    rulebook.period,
    'SATISFACTION:' || surveys.survey_id as line_id,
    surveys.rep_id,
    'SATISFACTION' as rule_id,
    rulebook.rulebook_version,
    'surveys' as source,
    surveys.survey_id as source_id,
    {{ as_points('score_points.points') }} as points,
    'survey ' || surveys.survey_id || ' score ' || cast(surveys.score as {{ dbt.type_string() }})
    || ' = ' || {{ decimal_text(as_points('score_points.points')) }} as explanation,
    surveys.source_file,
    surveys.source_row_number,
    surveys.source_file_hash
from surveys
cross join rulebook
inner join {{ ref('satisfaction_points') }} as score_points
    on
        rulebook.rulebook_version = score_points.rulebook_version
        and surveys.score = score_points.score
where surveys.survey_date between rulebook.period_start and rulebook.period_end
