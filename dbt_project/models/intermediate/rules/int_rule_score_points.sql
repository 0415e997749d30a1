-- Kind score_points (SATISFACTION in 2026.1): every survey of the period writes a line with the
-- points of its score (0 too), under the rule book version in effect on the survey's date.
with periods as (
    select * from {{ ref('int_periods') }}
),

surveys as (
    select
        periods.period,
        surveys.*
    from {{ ref('stg_validated__surveys') }} as surveys
    inner join periods
        on surveys.survey_date between periods.period_start and periods.period_end
)

select
    surveys.period,
    rules.rule_id || ':' || surveys.survey_id as line_id,
    surveys.rep_id,
    rules.rule_id,
    rules.rulebook_version,
    'surveys' as source,
    surveys.survey_id as source_id,
    {{ as_points('score_points.points') }} as points,
    'survey ' || surveys.survey_id || ' score ' || cast(surveys.score as {{ dbt.type_string() }})
    || ' = ' || {{ decimal_text(as_points('score_points.points')) }} as explanation,
    surveys.source_file,
    surveys.source_row_number,
    surveys.source_file_hash,
    {{ row_derivation(
        'score_points',
        inputs=[
            ('score', 'surveys.score'), ('survey_date', 'surveys.survey_date'),
            ('rep_id', 'surveys.rep_id'),
        ] + eligibility_inputs('rules.roles', 'rules.teams', 'reps.role', 'reps.team_id'),
        parameters=[('points_for_score', as_points('score_points.points'))]
            + eligibility_parameters('rules.roles', 'rules.teams'),
        formula="'score ' || cast(surveys.score as " ~ dbt.type_string() ~ ") || ' -> points ' || "
            ~ decimal_text(as_points('score_points.points')),
    ) }}
from surveys
inner join {{ ref('int_rulebook_calendar') }} as calendar
    on surveys.survey_date between calendar.valid_from and calendar.valid_to
inner join {{ ref('rules') }} as rules
    on calendar.rulebook_version = rules.rulebook_version and rules.kind = 'score_points'
inner join {{ ref('score_points') }} as score_points
    on
        rules.rulebook_version = score_points.rulebook_version
        and rules.rule_id = score_points.rule_id
        and surveys.score = score_points.score
inner join {{ ref('stg_validated__reps') }} as reps
    on surveys.rep_id = reps.rep_id
where {{ rule_applies_to('rules', 'reps') }}
