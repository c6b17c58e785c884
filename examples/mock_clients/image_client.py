#!/usr/bin/env python3
"""Asks an OpenAI-compatible server for an image and saves it.

Usage: image_client.py (--url URL | --url-file FILE) --prompt TEXT [--size WxH] --output FILE

With --url-file, waits (up to --wait seconds) for the file a server writes its URL to, as
`omnitest mock-server --port-file FILE` does once it accepts connections. Only the standard
library is used, so the example runs wherever python3 does.
"""

import argparse
import base64
import json
import pathlib
import sys
import time
import urllib.error
import urllib.request


def server_url(args):
    if args.url:
        return args.url.rstrip("/")
    path = pathlib.Path(args.url_file)
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            return path.read_text().strip().rstrip("/")
        time.sleep(0.1)
    sys.exit(f"image_client: no server URL in {path} after {args.wait} s (did the server start?)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the server's base URL, e.g. http://127.0.0.1:8091")
    where.add_argument("--url-file", help="a file the server writes its base URL to")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for --url-file")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--size", default="512x512", help="WIDTHxHEIGHT")
    parser.add_argument("--model", help="the served model; the server's only model when omitted")
    parser.add_argument("--output", required=True, help="where to write the PNG")
    args = parser.parse_args()

    body = {"prompt": args.prompt, "size": args.size, "n": 1}
    if args.model:
        body["model"] = args.model
    request = urllib.request.Request(
        server_url(args) + "/v1/images/generations",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            reply = json.load(response)
    except urllib.error.HTTPError as err:
        sys.exit(f"image_client: the server answered {err.code}: {err.read().decode(errors='replace')}")
    image = base64.b64decode(reply["data"][0]["b64_json"])
    pathlib.Path(args.output).write_bytes(image)
    print(f"Image saved to {args.output} ({len(image)} bytes)")


if __name__ == "__main__":
    main()
