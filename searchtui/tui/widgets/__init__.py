"""Widgets of the search app. They post messages; screens decide what to do."""
