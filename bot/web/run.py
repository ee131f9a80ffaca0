"""Start the web channel: open the log, build the app and serve it with uvicorn."""
from __future__ import annotations

import argparse
import logging

from bot.app import XinZhi
from bot.config import ConfigError, Settings
from bot.storage import open_event_log

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until interrupted; `--host`/`--port` choose where to listen."""
    try:
        import uvicorn
    except ImportError:
        raise ConfigError("xinzhi serve needs the web extra: pip install 'xinzhi[web]'") from None
    from bot.web.app import build_app

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("bot.web.access").setLevel(logging.INFO)  # method, route, status, time: no bodies or addresses
    log = open_event_log(settings)
    try:
        app = build_app(XinZhi(settings, log=log))
        logger.info("serving on %s:%s", args.host, args.port)
        # access_log off: uvicorn's line carries the client address; bot.web.access logs without it.
        uvicorn.run(app, host=args.host, port=args.port, access_log=False, proxy_headers=True,
                    server_header=False, log_level="warning")
    finally:
        if log is not None:
            log.close()
    return 0
