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
RUN useradd --create-home --uid 10001 registry \
    && mkdir -m 700 /data && chown registry /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001
ENV REGISTRY_MCP_DB=/data/registry.db PYTHONUNBUFFERED=1
VOLUME ["/data"]
ENTRYPOINT ["registry-mcp"]
