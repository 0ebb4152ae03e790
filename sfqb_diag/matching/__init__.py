"""Record matching shared by the areas: normalisers, blocking, scoring, assignment, clusters.

Generic pieces (names, contacts, candidate blocking, name similarity, one-to-one assignment,
duplicate clustering) take plain DataFrames so any pair of tables can be linked with them.
"""
