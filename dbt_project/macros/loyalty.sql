{#- The loyalty program's arithmetic (docs/loyalty-program.md). Points are whole numbers and
    money is exact: no division of decimals (DuckDB would return a double). -#}

{#- Whole-number division rounded down, for non-negative operands. -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'jifen')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro spark__int_div(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{#- Points earned by an amount: floor(amount / earn_amount), both with at most 2 places. -#}
{% macro points_for_amount(amount, earn_amount) -%}
    {{ int_div('cast((' ~ amount ~ ') * 100 as bigint)', 'cast((' ~ earn_amount ~ ') * 100 as bigint)') }}
{%- endmacro %}

{#- CNY value of points: points x unit_value / redemption_unit, rounded half away from zero to
    cents. -#}
{% macro cny_of_points(points, unit_value, redemption_unit) -%}
    cast(
        sign({{ points }}) * {{ int_div(
            'abs(' ~ points ~ ') * cast((' ~ unit_value ~ ') * 100 as bigint) * 2 + (' ~ redemption_unit ~ ')',
            '2 * (' ~ redemption_unit ~ ')') }}
        as decimal(18, 0)
    ) * cast(0.01 as decimal(3, 2))
{%- endmacro %}

{#- numerator / denominator to 4 places, rounded half away from zero; null when the denominator
    is 0. Both are whole numbers (points or cents). -#}
{% macro ratio_4(numerator, denominator) -%}
    case when ({{ denominator }}) <> 0 then
        cast(
            sign({{ numerator }}) * sign({{ denominator }}) * {{ int_div(
                'abs(' ~ numerator ~ ') * 20000 + abs(' ~ denominator ~ ')',
                '2 * abs(' ~ denominator ~ ')') }}
            as decimal(18, 0)
        ) * cast(0.0001 as decimal(5, 4))
    end
{%- endmacro %}

{#- The last day of the month `months` after the month of `day`: when a lot earned on `day`
    expires. -#}
{% macro expiry_day(day, months) -%}
    cast({{ dbt.last_day(dbt.dateadd('month', months, "date_trunc('month', " ~ day ~ ")"), 'month') }} as date)
{%- endmacro %}

{#- Is a customer a member on `day`? (enrolled_date <= day, and left_date empty or day <= it) -#}
{% macro is_member_on(members, day) -%}
    ({{ members }}.enrolled_date <= {{ day }}
        and ({{ members }}.left_date is null or {{ day }} <= {{ members }}.left_date))
{%- endmacro %}

{#- The month (YYYY-MM) of a date. -#}
{% macro month_label(day) -%}
    substr(cast({{ day }} as {{ dbt.type_string() }}), 1, 7)
{%- endmacro %}

{#- A digest of a member's events (their fingerprints) for which `condition` holds: their
    count and the sum of their 64-bit hashes. -#}
{% macro events_digest(condition) -%}
    {{ return(adapter.dispatch('events_digest', 'jifen')(condition)) }}
{%- endmacro %}

{% macro default__events_digest(condition) -%}
    cast(count(*) filter (where {{ condition }}) as {{ dbt.type_string() }}) || ':'
    || cast(coalesce(sum(hash(fingerprint)) filter (where {{ condition }}), 0) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Spark: the 64-bit xxHash, summed as a decimal (a bigint sum overflows). Each engine compares
    digests it saved itself (a workspace keeps its engine). -#}
{% macro spark__events_digest(condition) -%}
    cast(count(*) filter (where {{ condition }}) as {{ dbt.type_string() }}) || ':'
    || cast(coalesce(sum(cast(xxhash64(fingerprint) as decimal(38, 0))) filter (where {{ condition }}), 0) as {{ dbt.type_string() }})
{%- endmacro %}
