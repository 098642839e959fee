# cloudwarden in a container, built from the wheel (no source checkout, no compiler in the image).
#
#   python -m build --wheel --outdir dist/            # or: pip wheel --no-deps -w dist/ .
#   docker build -t cloudwarden .
#   docker run --rm -e AWS_PROFILE=prod -v ~/.aws:/home/cloudwarden/.aws:ro -v "$PWD/report:/out" \
#       cloudwarden scan --out /out
#
# Offline-friendly: put the wheels of the dependencies in wheels/ beside dist/ (for example with
# `pip download -d wheels/ dist/cloudwarden-*.whl` on a connected machine) and build with
# `--build-arg PIP_INDEX=--no-index`: pip then reads only dist/ and wheels/, never an index.
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ARG PIP_INDEX=
# wheel[s]/ is optional: a wildcard source may match nothing as long as dist/ is there.
COPY dist/ wheel[s]/ /tmp/dist/
RUN python -m pip install --no-cache-dir ${PIP_INDEX} --find-links /tmp/dist /tmp/dist/cloudwarden-*.whl \
    && rm -rf /tmp/dist \
    && useradd --create-home --uid 10001 cloudwarden

USER cloudwarden
WORKDIR /home/cloudwarden
ENTRYPOINT ["cloudwarden"]
CMD ["--help"]
