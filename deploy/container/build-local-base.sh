#!/bin/sh
# Builds a local base image for the Dockerfile where no registry can be reached (the project's CI
# machines): a minimal Debian bookworm root file system from Debian's package mirror (debootstrap,
# with tini and CA certificates) plus THIS machine's Node.js binary, imported into podman as
#   localhost/keyhaven-base:bookworm
# Then: podman build --build-arg BASE_IMAGE=localhost/keyhaven-base:bookworm --build-arg APP_STAGE=app-prebuilt ...
# Needs root, debootstrap and podman. Usage: deploy/container/build-local-base.sh [mirror]
set -eu
MIRROR="${1:-http://deb.debian.org/debian}"
TAG="${KEYHAVEN_BASE_TAG:-localhost/keyhaven-base:bookworm}"
ROOTFS="$(mktemp -d /tmp/keyhaven-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
debootstrap --variant=minbase --include=tini,ca-certificates bookworm "$ROOTFS" "$MIRROR"
NODE="$(command -v node)"
install -m 0755 "$NODE" "$ROOTFS/usr/local/bin/node"
# Smaller: no apt lists, docs, man pages or locales beyond C.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/*
chroot "$ROOTFS" /usr/local/bin/node -e 'process.stdout.write("node " + process.version + " runs in the base\n")'
tar -C "$ROOTFS" -c . | podman import --change 'CMD ["/usr/local/bin/node"]' --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$TAG"
echo "built $TAG"
