"""Screens and dialogs of the Textual UI.

``dialogs`` holds small modal screens that return a value, ``help`` the key and guideline
references, ``queue`` the document picker. Each module is self-contained: import what you push.
"""
