"""Shared helpers at the bottom of the pipeline: text normalisation, vectorising, language,
periods."""

