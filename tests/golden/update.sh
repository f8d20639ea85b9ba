#!/bin/sh
# Regenerate the golden files; review `git diff tests/golden` before committing.
exec env UPDATE=1 "$(dirname "$0")/run.sh"
