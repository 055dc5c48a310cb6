// Package base is the catalog of base images a learner can start FROM:
// teaching copies of real official images (scratch, busybox, alpine, debian,
// ubuntu, buildpack-deps, python, node, nginx, golang).
//
// A teaching copy keeps what a learner can observe about the real image and
// drops the bulk: the real number of layers and what each one adds, the real
// history entries (BuildKit's "RUN … # buildkit" lines, the classic builder's
// "/bin/sh -c #(nop) …" lines, debuerreotype's single entry), the real default
// Env, Cmd, Entrypoint, WorkingDir, ExposedPorts and StopSignal, a
// representative file tree (the FHS skeleton, /etc/os-release, the real users
// in /etc/passwd, the shell and the programs each image has on PATH) and the
// real apparent size of every layer. Large files keep their real size but store
// only a short prefix; the rest reads as zeros.
//
// The catalog describes the images as they were published in September 2024,
// so "latest" means what it meant then (python:latest is 3.12 on Debian
// bookworm, alpine:latest is 3.20, node:lts is 20).
//
// The images are written in a small text format (see parse.go) embedded with
// the package and built once by Load. The result is immutable and shared by
// every session: same data, same layer diffIDs, same image IDs on every run.
package base
