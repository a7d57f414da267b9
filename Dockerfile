# One image for every arflow service; the service to run is the command's argument.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs ./libs
COPY services ./services
COPY apps ./apps
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH
EXPOSE 8001 8002 8003 8004
ENTRYPOINT ["arflow"]
CMD ["run"]
