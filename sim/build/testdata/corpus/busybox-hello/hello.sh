#!/bin/sh
echo "hello from busybox"
