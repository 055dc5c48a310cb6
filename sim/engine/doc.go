// Package engine is the simulated Docker daemon: for each host ("laptop",
// "server", …) its images and tags, containers with their writable layers,
// volumes and build cache, plus a registry the hosts share. It is the API the
// docker CLI (package docker) calls; its errors read like the daemon's.
//
// Base images, their layers and the simulated programs live in a Library
// shared by every engine in the process; an engine only holds what its
// learner made.
package engine
