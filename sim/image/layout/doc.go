// Package layout writes images to, and reads them from, an OCI image layout
// directory on the host: oci-layout, index.json and blobs/sha256/…, the format
// skopeo, umoci, crane, containerd and `docker buildx build --output type=oci`
// share.
//
// It is the only code under sim that touches the host filesystem, and it
// touches only the directory it is given: every path is opened through an
// os.Root, so a symlink inside the directory cannot lead outside it.
package layout
