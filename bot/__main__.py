"""Let `python -m bot` behave exactly like the `xinzhi` command."""
from bot.cli import entry_point

entry_point()
