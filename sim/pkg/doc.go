// Package pkg simulates the package managers learners run in Dockerfiles:
// apt-get, apt and dpkg on Debian and Ubuntu, apk on Alpine, pip, npm and the
// go command. Each is a shell.Program over the container's writable layer.
//
// The programs install representative files with the real packages' sizes,
// taken from an embedded catalog, and print what the real tools print, so the
// classic lessons play out as they would for real: apt-get install without
// apt-get update cannot find a package, the lists apt-get update downloads
// stay in the layer unless the same RUN removes them, pip leaves a cache in
// /root/.cache/pip unless told not to, apk --no-cache leaves no index behind.
//
// Nothing here touches the network: downloads are looked up in the catalog
// and their duration is spent on the virtual clock. Output is deterministic.
package pkg
