"""Screens: what each page, the meeting pack and the report show, built once from a Scope; charts and exports."""
