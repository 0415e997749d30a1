"""Trial runs: score a candidate rule book on the loaded data, publish nothing, compare.

``run.run_trial_in`` does the work (the Dagster job ``trial`` calls it); ``runner.run_trial``
launches that job in process on the workspace's Dagster instance, as the CLI does.
"""
