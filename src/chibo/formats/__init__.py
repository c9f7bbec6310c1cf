"""Date and number formats, one per language (settings.FORMAT_MODULE_PATH), on top of Django's.

Every language groups thousands (`intcomma`, `number_format(..., force_grouping=True)`), and
shows dates one way throughout: day first in Vietnamese and English (as decisions are dated),
year first in Korean and Persian. Dates stay Gregorian, as in the records."""
