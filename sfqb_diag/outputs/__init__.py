"""Writing the report folder: findings.csv, matches, fix lists, fix_list.xlsx, summary.json."""
