#!/usr/bin/env bash
# The Python Dapr SDK and its FastAPI actor extension (the versions
# requirements.txt pins) for the interop tests, in target/dapr-python-venv,
# made again only when requirements.txt changed. Prints the venv's python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/dapr-python-venv
if ! cmp -s tests/python-client/requirements.txt "$venv/requirements.txt"; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >&2; then
        rm -rf "$venv"
        echo "error: python3 cannot create a virtual environment: install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python-client/requirements.txt >&2
    cp tests/python-client/requirements.txt "$venv/requirements.txt"
fi
echo "$PWD/$venv/bin/python3"
