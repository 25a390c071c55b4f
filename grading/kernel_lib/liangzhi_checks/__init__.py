"""Quantum-aware checks for assignment tests (states up to phase, counts within shot noise, ...).

Importable in the student's kernel and in the grading sandbox; imports nothing from the site.
"""
