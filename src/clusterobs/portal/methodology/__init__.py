"""The methodology pages: ``docs/methodology/*.md`` rendered in the portal (one text, two outputs)."""
