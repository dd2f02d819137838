"""Tradepost's database backend (settings.DATABASES ENGINE): see base.py."""
