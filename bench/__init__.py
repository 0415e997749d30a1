"""The benchmark of a period close against the floor (bench/README.md); `python bench/run.py`."""
