"""Serve XinZhi over HTTP: a JSON API and a mobile-first chat page (`xinzhi serve`)."""
