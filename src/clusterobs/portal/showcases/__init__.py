"""Modern cluster policy showcases: a curated, searchable library of real policy cases."""
