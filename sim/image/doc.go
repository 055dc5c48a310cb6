// Package image models an OCI image as a value: its read-only layers, its
// config (what `docker inspect` shows), and the JSON documents derived from
// them, whose sha256 digests are the names Docker uses: the config digest is
// the IMAGE ID, the manifest digest is what a registry calls the image by.
//
// An Image never changes after New; building on it makes a new Image. The
// package also reads real images, from an OCI image layout or from the tar
// `docker save` writes, so that they can serve as base images. It touches no
// host filesystem itself: sub-package layout reads and writes directories.
package image
