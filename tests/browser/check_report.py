#!/usr/bin/env python3
"""Open every kind of corridor-sim report in headless Chromium, as a planner's browser would.

For each output kind (run, diff, plugin, compare-zones, batch, site-scan) on the shipped Chongqing
scenario: write the directory with the release binary, run `corridor report`, then with
Chromium (no network: every host resolves to nothing, so a reference to any address fails
loudly) dump the DOM and take a screenshot. It fails when

- the page logs anything to the console (the report has no script, so any message is an
  error: an invalid SVG attribute, a resource that failed to load);
- an element the kind must have (map, ranking chart, time series, ...) is missing;
- the screenshot is blank (fewer than MIN_COLOURS distinct colours, or almost all white).

Before that it checks itself on two pages made to fail (a console error, a blank page), so
a broken check cannot pass silently. Python standard library only (the PNG is decoded with
zlib).

Usage: check_report.py [--corridor target/release/corridor] [--chromium chromium] [--keep DIR]
"""

import argparse
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios/chongqing/base.toml"
POLICY = ROOT / "scenarios/chongqing/policies/lock-maintenance.toml"
SWEEP = ROOT / "scenarios/chongqing/sweeps/lock-capacity-closure.toml"
BOUNDARY = ROOT / "scenarios/chongqing/boundary.geojson"

MIN_COLOURS = 24
MIN_INK_SHARE = 0.02

# Element ids each kind of report must have.
EXPECTED = {
    "run": ["map", "map-region", "corridor-shares", "od-transit-chart", "timeseries-chart", "manifest"],
    "diff": ["diff-od-chart", "timeseries-chart", "manifest"],
    "plugin": ["sec-plugin", "corridor-shares", "od-transit-chart", "manifest"],
    "compare-zones": ["ranking-chart", "ranking-table", "map", "manifest"],
    "batch": ["variants-table", "sweep-corridor-chart", "manifest"],
    "site-scan": ["site-scan-map", "site-scan-chart", "site-scan-table", "manifest"],
}

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
]


class Failure(Exception):
    pass


def chromium(browser, profile, page, *action):
    """Runs Chromium on `page` with a fresh profile; returns (stdout, console lines)."""
    shutil.rmtree(profile, ignore_errors=True)
    cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *action, page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise Failure(f"chromium exited {done.returncode} on {page}:\n{done.stderr[-2000:]}")
    console = [l for l in done.stderr.splitlines() if ":CONSOLE" in l]
    return done.stdout, console


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise Failure(f"{path}: PNG depth {depth} colour type {colour} not decoded here")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def check_not_blank(path):
    """Fails when the screenshot has too few colours or almost no ink."""
    width, height, bpp, rows = png_pixels(path)
    colours, ink, seen = set(), 0, 0
    for row in rows[::2]:
        for x in range(0, width * bpp, 2 * bpp):
            px = row[x : x + 3]
            colours.add(px)
            seen += 1
            if px != b"\xff\xff\xff":
                ink += 1
    share = ink / max(seen, 1)
    if len(colours) < MIN_COLOURS or share < MIN_INK_SHARE:
        raise Failure(
            f"{path}: looks blank ({len(colours)} colours, {share:.1%} non-white pixels)"
        )
    return len(colours), share


def check_page(browser, work, page, ids):
    """Renders `page`: no console message, every id present, a screenshot that is not blank."""
    profile = work / "profile"
    dom, console = chromium(browser, profile, page, "--dump-dom")
    if console:
        raise Failure(f"{page}: console messages:\n" + "\n".join(console))
    missing = [i for i in ids if f'id="{i}"' not in dom]
    if missing:
        raise Failure(f"{page}: missing elements {missing}")
    shot = page.with_suffix(".png")
    _, console = chromium(browser, profile, page, "--window-size=1240,1600", f"--screenshot={shot}")
    if console:
        raise Failure(f"{page}: console messages:\n" + "\n".join(console))
    return check_not_blank(shot)


def self_test(browser, work):
    """The checks must fail on a page with a console error and on a blank page."""
    bad = work / "console-error.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><p id="map">x</p>'
        '<svg width="9" height="9"><path d="M 0 NaN"/></svg></body></html>'
    )
    blank = work / "blank.html"
    blank.write_text('<!DOCTYPE html><html><body><p id="map"></p></body></html>')
    for page, why in [(bad, "console"), (blank, "blank")]:
        try:
            check_page(browser, work, page, ["map"])
        except Failure as e:
            if why not in str(e):
                raise Failure(f"self-test on {page.name} failed for the wrong reason: {e}")
        else:
            raise Failure(f"self-test: {page.name} passed; the check cannot fail")


def make_outputs(corridor, work):
    """The six output directories, each with its report."""
    def run(*args):
        subprocess.run(
            [str(corridor), *map(str, args), "--quiet"],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )

    dirs = {k: work / k for k in EXPECTED}
    run("run", SCENARIO, "--replications", 8, "--out", dirs["run"])
    run("diff", SCENARIO, POLICY, "--replications", 8, "--out", dirs["diff"])
    run("plugin", SCENARIO, "--zone", "cq-hitech", "--replications", 8, "--out", dirs["plugin"])
    run("compare-zones", SCENARIO, "--replications", 10, "--out", dirs["compare-zones"])
    run("batch", SWEEP, "--replications", 2, "--out", dirs["batch"])
    # The municipality at 40 km (about 50 cells), by the sequential procedure.
    run("site-scan", SCENARIO, "--grid-km", 40, "--polygon", BOUNDARY, "--delta", 20,
        "--replications", 10, "--out", dirs["site-scan"])
    for kind, d in dirs.items():
        subprocess.run([str(corridor), "report", str(d)], check=True, capture_output=True)
    return dirs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corridor", default=str(ROOT / "target/release/corridor"))
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    ap.add_argument("--keep", help="keep the outputs, reports and screenshots in this directory")
    args = ap.parse_args()
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="report-check-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        self_test(args.chromium, work)
        print("self-test: a console error and a blank page are caught")
        dirs = make_outputs(pathlib.Path(args.corridor), work)
        for kind, d in dirs.items():
            colours, share = check_page(args.chromium, work, d / "report.html", EXPECTED[kind])
            print(f"{kind}: report renders with no console message; "
                  f"{len(EXPECTED[kind])} elements; {colours} colours, {share:.0%} ink")
    except (Failure, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
