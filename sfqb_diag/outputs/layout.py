"""Names inside a report folder that several parts agree on (writers, notebooks, history)."""

CACHE = "cache"  # <out>/cache/: the Dataset and the full findings table, for notebooks
VIEWS_FOLDER = "views"  # <out>/cache/views/<area>.<view>.parquet: the tables notebooks show
