"""The catalog: the store's SQL tables, Parquet files and migrations, settings, saved views."""
