"""The DuckDB store: one file of observations, classifications, geometries and results."""
