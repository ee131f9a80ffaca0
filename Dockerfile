# XinZhi Telegram bot. Build: docker build -t xinzhi .
# Run:   docker run -e TELEGRAM_BOT_TOKEN=... -v xinzhi-data:/data xinzhi
# Own KB: add -v /path/to/knowledge:/app/knowledge:ro (the baked-in copy is overridden).
# Web:   docker run -p 8080:8080 -e XINZHI_WEB_SECRET=... xinzhi xinzhi serve --host 0.0.0.0 --port 8080
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    XINZHI_KB=/app/knowledge \
    XINZHI_DB=/data/xinzhi.db

RUN useradd --create-home --uid 10001 xinzhi \
    && mkdir -p /data /app \
    && chown xinzhi:xinzhi /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install . && xinzhi kb validate

USER xinzhi
# warm jieba's dictionary cache for a fast first answer
RUN python -c "import jieba; jieba.initialize()"

VOLUME ["/data"]
EXPOSE 8080
CMD ["xinzhi", "telegram"]
