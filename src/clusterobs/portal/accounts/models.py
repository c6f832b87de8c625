"""The portal's User model (custom from day one, so profiles can grow without a migration break)."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A portal account."""
