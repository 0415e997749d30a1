"""Trial runs: score a candidate rule book on the loaded data, publish nothing, compare.

``score`` scores both sides in a scratch warehouse, ``compare`` compares them, ``outputs``
writes the CSV files and ``report`` the HTML page (with the reports' page kit); ``run`` does it
all, called by the Dagster job ``trial`` (``orchestration/defs/trial/``) that the CLI launches.
"""
