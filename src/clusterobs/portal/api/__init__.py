"""The REST API (django-ninja) under /api/v1/: one module per resource."""
