# registry-mcp as a container: an MCP server on stdio.
#   docker build -t registry-mcp .
#   docker run -i --rm -e ENKRYPT_API_KEY registry-mcp                 # your cloud registry
#   docker run -i --rm -v registry-mcp-data:/data registry-mcp         # the embedded registry, kept on a volume

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY registry_mcp ./registry_mcp
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
# The MCP Registry checks the first label against server.json's name before it lists the image.
LABEL io.modelcontextprotocol.server.name="io.github.enkryptai/registry-mcp" \
      org.opencontainers.image.title="registry-mcp" \
      org.opencontainers.image.description="An MCP server (stdio) for the Enkrypt AI MCP Registry" \
      org.opencontainers.image.source="https://github.com/enkryptai/registry-mcp" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT"
RUN useradd --create-home --uid 10001 registry \
    && mkdir -m 700 /data && chown registry /data
# The wheels are mounted for the install only: a COPY would keep them in a layer of the image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels pip install --no-cache-dir /wheels/*.whl
USER 10001
ENV REGISTRY_MCP_DB=/data/registry.db PYTHONUNBUFFERED=1
VOLUME ["/data"]
ENTRYPOINT ["registry-mcp"]
