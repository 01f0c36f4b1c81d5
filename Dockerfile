# The cluewatch application image: review app, scheduler and crawler workers.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    CLUEWATCH_DATA_DIR=/data
WORKDIR /app

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

RUN useradd --system --home-dir /data cluewatch && mkdir -p /data && chown cluewatch /data
USER cluewatch
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1
CMD ["cluewatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
