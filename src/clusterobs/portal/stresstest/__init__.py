"""Stress test for cluster policy: self-assessment questionnaire, scored profile, guidance."""
