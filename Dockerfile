# layerlab's own container image. It starts FROM scratch and copies in a
# binary built on the host, so it builds with no base image and no network:
# run `make docker-image`, which builds bin/image/ first, rather than
# `docker build .` alone.
FROM scratch

# A user to run as (no shell, no home), and /data owned by it for the
# default SQLite file.
COPY bin/image/passwd bin/image/group /etc/
COPY --chown=10001:10001 bin/image/data /data
COPY bin/image/layerlab /layerlab

USER 10001:10001
ENV LAYERLAB_ADDR=0.0.0.0:8080 \
    LAYERLAB_DB=/data/layerlab.db
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=3 \
    CMD ["/layerlab", "healthcheck"]

ENTRYPOINT ["/layerlab"]
CMD ["serve"]
