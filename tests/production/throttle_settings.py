"""The portal's settings with a fast password hasher, for the two-worker throttling test only.

Everything that decides throttling (axes, allauth rate limits, the database cache, trusted
proxies) is the production module's; only hashing is cheaper so the test stays quick.
"""

from clusterobs.portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
