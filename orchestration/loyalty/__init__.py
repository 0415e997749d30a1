"""The customer loyalty program's lot walk, in plain Python (docs: loyalty-program.md section 3).

``walk.py`` walks one member's ordered events into ledger lines, redemption verdicts and the
lots/debt state a later close resumes from. It knows nothing of Dagster, dbt or DuckDB: the
engines apply it per ``customer_id`` group, on whichever engine holds the events.
"""
