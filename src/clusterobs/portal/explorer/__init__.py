"""Explorer: the store-backed pages (home, map, region, category, compare); no ORM models."""
