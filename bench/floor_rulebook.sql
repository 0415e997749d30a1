-- The floor's rule book: the compiled seeds (the repository's seeds/*.csv, the default book
-- rulebooks/2026.1.yaml, or the books of a workspace compiled as a close compiles them), read
-- with the column types seeds/_rulebook.yml declares. Every rule parameter of the floor comes
-- from these tables. The runner substitutes @@seeds@@ (the seeds folder) before running.
--
-- The floor implements the kinds amount_rate, first_sale, score_points, cap, gate and
-- team_bonus with every column they use (eligible roles and teams included) and the versions'
-- effective dates. Anything else in the seeds stops the script with an error: a rule of another
-- kind, a value in a column or a seed file it does not know, more than one currency.

-- Column types, as seeds/_rulebook.yml declares them (tests/test_bench.py holds the two equal).
set variable rulebooks_types = {
    'rulebook_version': 'varchar', 'effective_from': 'date', 'currency': 'varchar',
    'description': 'varchar'
};
set variable rules_types = {
    'rulebook_version': 'varchar', 'rule_id': 'varchar', 'kind': 'varchar',
    'rate': 'decimal(9,4)', 'points': 'decimal(18,2)', 'multiplier': 'decimal(9,4)',
    'limit_points': 'decimal(18,2)', 'min_surveys': 'integer', 'mean_score_below': 'decimal(9,4)',
    'factor': 'decimal(9,4)', 'family': 'varchar', 'cap_rule_id': 'varchar',
    'base_rule_id': 'varchar', 'window_start': 'date', 'window_end': 'date',
    'segment': 'varchar', 'roles': 'varchar', 'teams': 'varchar',
    'default_target': 'decimal(18,2)', 'description': 'varchar'
};
set variable score_points_types = {
    'rulebook_version': 'varchar', 'rule_id': 'varchar', 'score': 'integer',
    'points': 'decimal(18,2)'
};
set variable team_targets_types = {
    'rulebook_version': 'varchar', 'rule_id': 'varchar', 'team_id': 'varchar',
    'monthly_target': 'decimal(18,2)'
};
set variable tiers_types = {
    'rulebook_version': 'varchar', 'tier': 'varchar', 'min_points': 'decimal(18,2)',
    'reward': 'varchar', 'cash_value': 'decimal(18,2)'
};
-- The loyalty program's book: read and typed, but the floor scores the sales program only.
set variable loyalty_rulebooks_types = {
    'rulebook_version': 'varchar', 'effective_from': 'date', 'earn_amount': 'decimal(18,2)',
    'welcome_points': 'integer', 'frequency_orders': 'integer', 'frequency_bonus': 'integer',
    'redemption_unit': 'integer', 'unit_value': 'decimal(18,2)', 'monthly_limit': 'integer',
    'expiry_months': 'integer', 'description': 'varchar'
};

-- A seed with its declared types (an empty field is NULL, as in dbt's seeds).
create or replace temp macro seed(name) as table
    select * from read_csv(
        '@@seeds@@/' || name || '.csv', header = true, types = getvariable(name || '_types')
    );

-- What the floor would silently ignore: a value in a seed column without a declared type, or
-- in a seed file it does not read (an empty one is fine: the book does not use it).
create or replace temp table seed_columns as
select 'rulebooks' as seed, unnest(struct_keys(getvariable('rulebooks_types'))) as column_name
union all select 'rules', unnest(struct_keys(getvariable('rules_types')))
union all select 'score_points', unnest(struct_keys(getvariable('score_points_types')))
union all select 'team_targets', unnest(struct_keys(getvariable('team_targets_types')))
union all select 'tiers', unnest(struct_keys(getvariable('tiers_types')))
union all select 'loyalty_rulebooks', unnest(struct_keys(getvariable('loyalty_rulebooks_types')));

select error(
    'the floor does not implement ' || seed || ' column ' || column_name || ' (value ' || value
    || ')'
)
from (
    select parse_filename(filename, true) as seed, column_name, value
    from (
        unpivot (
            from read_csv(
                '@@seeds@@/*.csv',
                header = true, all_varchar = true, union_by_name = true, filename = true
            )
        )
        on columns(* exclude filename) into name column_name value value
    )
)
where (seed, column_name) not in (select (seed, column_name) from seed_columns);

create or replace temp table rulebooks as from seed('rulebooks');
create or replace temp table rules as from seed('rules');
create or replace temp table score_points as from seed('score_points');
create or replace temp table team_targets as from seed('team_targets');
create or replace temp table tiers as from seed('tiers');
create or replace temp table loyalty_rulebooks as from seed('loyalty_rulebooks');

select error('the floor does not implement rule kind ' || kind || ' (rule ' || rule_id || ')')
from rules
where kind not in ('amount_rate', 'first_sale', 'score_points', 'cap', 'gate', 'team_bonus');

-- The program currency: the floor validates amounts against one.
select error('the floor needs one currency in the rule books, they have ' || string_agg(currency))
from (select distinct currency from rulebooks)
having count(*) <> 1;
set variable program_currency = (select any_value(currency) from rulebooks);

-- When each version is in effect: from its effective_from to the day before the next one's.
create or replace temp table rulebook_calendar as
select
    rulebook_version,
    effective_from as valid_from,
    coalesce(
        cast(lead(effective_from) over (order by effective_from) - interval 1 day as date),
        date '9999-12-31'
    ) as valid_to
from rulebooks;

-- A rule applies to a rep of one of its roles and teams (none listed: every role or team);
-- family, roles and teams are lists separated by '|'.
create or replace temp macro listed(list, value) as list_contains(string_split(list, '|'), value);
create or replace temp macro applies_to(rule_roles, rule_teams, role, team_id) as
    (rule_roles is null or listed(rule_roles, role))
    and (rule_teams is null or listed(rule_teams, team_id));
