#!/usr/bin/env python
"""Django's command-line utility."""
import os, sys
