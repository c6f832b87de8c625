"""Publications: Panorama, trends, scoreboard and region reports (context -> charts -> HTML/PDF)."""
