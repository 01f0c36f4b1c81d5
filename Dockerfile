# The cluewatch application image: review app, scheduler and crawler workers.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    CLUEWATCH_DATA_DIR=/data
WORKDIR /app

# Chromium renders the screenshots in clue bundles (from the captured bytes, no
# network); the CJK fonts make Chinese pages readable in them; openssl checks
# time-stamp certificate chains.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-noto-cjk openssl \
    && rm -rf /var/lib/apt/lists/*

# The CPU build of torch, pinned, from PyTorch's CPU index: the default index
# would bring several GB of CUDA packages.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY cluewatch ./cluewatch
COPY lexicon ./lexicon
COPY classifier ./classifier
COPY index ./index
COPY crawler ./crawler
COPY review_app ./review_app
RUN pip install .

# The signing key's directory is private to the app user (the key is made on first use).
RUN useradd --system --home-dir /data cluewatch \
    && mkdir -p /data/evidence /data/keys /data/bundles \
    && chown -R cluewatch /data && chmod 700 /data/keys
USER cluewatch
VOLUME ["/data", "/data/evidence", "/data/keys"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1
CMD ["cluewatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
