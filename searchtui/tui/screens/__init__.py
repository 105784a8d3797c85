"""Screens of the search app."""
