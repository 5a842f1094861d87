"""Dialogs the window opens, and the message boxes it asks its questions with."""
