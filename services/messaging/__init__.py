"""Messaging: notices to parents and, later, personal messages between people of a school."""
