# The official Odoo 18 image with the suite's Python dependencies. The addons
# themselves are mounted (see docker-compose.yml), not copied.
FROM odoo:18.0

USER root
COPY requirements.txt requirements-oca.txt /tmp/cc-suite/
# --no-deps for the OCA wheels: their "odoo==18.0.*" requirement is met by the
# image's Odoo, which is a Debian package and not a pip distribution.
RUN pip3 install --no-cache-dir --break-system-packages -r /tmp/cc-suite/requirements.txt \
    && pip3 install --no-cache-dir --break-system-packages --no-deps \
        -r /tmp/cc-suite/requirements-oca.txt \
    && rm -rf /tmp/cc-suite
USER odoo
