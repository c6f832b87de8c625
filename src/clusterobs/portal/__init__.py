"""The Django portal: pages, API and community features over the store."""
