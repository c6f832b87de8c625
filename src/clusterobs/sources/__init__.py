"""The outside world -> core tables: the only code that parses files or downloads."""
