"""Pure analytics: tables in, tables out (no files, network, Django or open database)."""
