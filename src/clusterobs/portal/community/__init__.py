"""Meeting space: member directory, matchmaking, events and discussions."""
