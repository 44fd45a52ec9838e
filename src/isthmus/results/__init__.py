"""Results: indicator tables, printed summaries and the DuckDB store."""
