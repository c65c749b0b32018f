#!/usr/bin/env python3
"""A kommune's system (ESDH) against the styringsdialog API: the standard library only.

It polls the change feed with a cursor kept in a file, files every newly submitted version
(receipt, answers, the styringsrapport as PDF and the attached files) in a folder, and
acknowledges receipt of packages the kommune supervises, with an Idempotency-Key, so a retry
after a network error never receives twice.

    SD_URL=http://127.0.0.1:8080 SD_TOKEN=sd_... python3 kommune_klient.py arkiv/

Runs once and exits (call it from cron or a timer). See docs/integration.md.
"""

import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

BASE = os.environ.get("SD_URL", "http://127.0.0.1:8080").rstrip("/")
TOKEN = os.environ["SD_TOKEN"]


def kald(metode, sti, krop=None, noegle=None):
    """One API call; returns (status, headers, body bytes). Errors are JSON: {"fejl": {...}}."""
    data = json.dumps(krop).encode() if krop is not None else None
    req = urllib.request.Request(BASE + sti, data=data, method=metode)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if noegle:
        req.add_header("Idempotency-Key", noegle)
    try:
        with urllib.request.urlopen(req, timeout=60) as svar:
            return svar.status, svar.headers, svar.read()
    except urllib.error.HTTPError as fejl:
        return fejl.code, fejl.headers, fejl.read()


def hent_json(sti):
    status, _, krop = kald("GET", sti)
    if status != 200:
        raise SystemExit(f"GET {sti}: {status} {krop.decode(errors='replace')}")
    return json.loads(krop)


def gem(fil, indhold):
    fil.parent.mkdir(parents=True, exist_ok=True)
    fil.write_bytes(indhold if isinstance(indhold, bytes) else json.dumps(indhold, indent=2, ensure_ascii=False).encode())


def arkiver_version(arkiv, pakke, version):
    """Files one submitted version: receipt with answers, the PDF and the files."""
    mappe = arkiv / f"pakke-{pakke['id']}" / f"version-{version}"
    if (mappe / "kvittering.json").exists():
        return False
    detalje = hent_json(f"/api/v1/pakker/{pakke['id']}/versioner/{version}")
    for bilag in detalje["bilag"]:
        status, _, indhold = kald("GET", bilag["url"])
        if status != 200:
            raise SystemExit(f"bilag {bilag['url']}: {status}")
        gem(mappe / "bilag" / f"{bilag['id']}-{bilag['filnavn']}", indhold)
    status, headers, pdf = kald("GET", f"/api/v1/pakker/{pakke['id']}/versioner/{version}/styringsrapport.pdf")
    if status != 200 or not pdf.startswith(b"%PDF"):
        raise SystemExit(f"styringsrapport: {status} {headers.get('content-type')}")
    gem(mappe / "styringsrapport.pdf", pdf)
    if version > 1:
        gem(mappe / "aendringer.json", hent_json(f"/api/v1/pakker/{pakke['id']}/versioner/{version}/aendringer"))
    # Written last: a run that stopped halfway files the version again next time.
    gem(mappe / "kvittering.json", detalje)
    return True


def kvitter(pakke):
    """Acknowledges receipt. The key names the step and the revision read, so a retry of this
    very request is answered once, and a package that changed meanwhile is refused (409)."""
    noegle = f"modtag-{pakke['id']}-{pakke['revision']}-{uuid.uuid5(uuid.NAMESPACE_URL, BASE)}"
    status, _, krop = kald("POST", f"/api/v1/pakker/{pakke['id']}/modtag", {"revision": pakke["revision"]}, noegle)
    if status == 200:
        return True
    if status == 409:
        print(f"pakke {pakke['id']} er ændret siden læsningen; den tages med ved næste kørsel")
        return False
    raise SystemExit(f"modtag {pakke['id']}: {status} {krop.decode(errors='replace')}")


def main():
    arkiv = Path(sys.argv[1] if len(sys.argv) > 1 else "arkiv")
    markoer_fil = arkiv / "siden.txt"
    siden = int(markoer_fil.read_text()) if markoer_fil.exists() else 0
    arkiveret = kvitteret = 0
    while True:
        side = hent_json(f"/api/v1/pakker?siden={siden}&pr_side=100")
        for pakke in side["data"]:
            versioner = hent_json(f"/api/v1/pakker/{pakke['id']}")["versioner"]
            for v in versioner:
                arkiveret += arkiver_version(arkiv, pakke, v["version"])
            if pakke["status"] == "indsendt" and pakke["relation"] == "hjemsted" and kvitter(pakke):
                kvitteret += 1
        # The cursor is saved only after the page is handled: a crash reads it again.
        siden = side["naeste_siden"]
        gem(markoer_fil, str(siden).encode())
        if not side["data"]:
            break
    print(f"arkiveret {arkiveret} versioner, kvitteret for {kvitteret} pakker; markør {siden}")


if __name__ == "__main__":
    main()
