"""The settings of the benchmark's HTTP server: the development settings with DEBUG off, plus a
bare view (`bench.urls`) as the floor of the HTTP scenarios."""

from chibo.settings.dev import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
