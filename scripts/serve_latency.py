#!/usr/bin/env python3
"""Edit latency under `casebook serve`: the time from saving an entry's body to the served page
showing the new text.

Usage: scripts/serve_latency.py CASEBOOK_BIN SITE_DIR [--edits 20]

Starts `casebook serve` on SITE_DIR (a copy is not made: the script appends to one incident's
body and restores it at the end), waits for the first build, then `--edits` times: appends a
unique line to the body of an incident in the middle of the site, saves it (write + close, as
an editor does), and polls the page over HTTP every millisecond until the line is there.
Prints each latency and the median, 90th percentile and maximum in milliseconds.
"""
import argparse, glob, os, signal, socket, statistics, subprocess, sys, time, urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except Exception:
        return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("casebook")
    ap.add_argument("site")
    ap.add_argument("--edits", type=int, default=20)
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.site, "content", "incidents", "*", "*.md")))
    if not files:
        sys.exit("no incidents under content/incidents/")
    path = files[len(files) // 2]
    slug = os.path.splitext(os.path.basename(path))[0]
    original = open(path, "rb").read()
    port = free_port()
    url = f"http://127.0.0.1:{port}/incidents/{slug}/"
    proc = subprocess.Popen([a.casebook, "serve", "--root", a.site, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    latencies = []
    try:
        deadline = time.monotonic() + 300
        while "</html>" not in get(url):
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit(f"serve did not come up:\n{proc.stdout.read() if proc.poll() is not None else ''}")
            time.sleep(0.05)
        for i in range(a.edits):
            marker = f"latency-probe-{os.getpid()}-{i}"
            time.sleep(0.5)  # let the previous edit's rebuild finish and the watcher go quiet
            t0 = time.monotonic()
            with open(path, "wb") as f:
                f.write(original + f"\n\n{marker}\n".encode())
            while marker not in get(url):
                if time.monotonic() - t0 > 30:
                    sys.exit(f"edit {i} not served within 30 s")
                time.sleep(0.001)
            ms = (time.monotonic() - t0) * 1000
            latencies.append(ms)
            print(f"edit {i}: {ms:.0f} ms", flush=True)
    finally:
        with open(path, "wb") as f:
            f.write(original)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    latencies.sort()
    p90 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.9))]
    print(f"serve edit latency over {len(latencies)} edits: median {statistics.median(latencies):.0f} ms, "
          f"p90 {p90:.0f} ms, max {latencies[-1]:.0f} ms")


if __name__ == "__main__":
    main()
