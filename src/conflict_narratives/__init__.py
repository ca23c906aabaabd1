"""conflict-narratives: topic and narrative analysis of conflict reporting."""

__version__ = "0.1.0"
