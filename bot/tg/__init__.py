"""Serve XinZhi on Telegram (python-telegram-bot v22): translate updates, render replies, never decide.

Modules: run (start-up, `build_application`), handlers (updates → app calls), render (Reply → HTML
messages), callbacks (64-byte button data), ratelimit (per-user limit), ordering (per-chat order).
"""
