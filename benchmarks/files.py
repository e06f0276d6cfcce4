"""Files figures: add (encrypt + chunk + hash + store) MB/s next to raw libsodium secretstream
and age (pyrage) over the same file in the same run; listing a folder of 10,000 files; peak
resident memory while adding.

Run: ``python benchmarks/files.py [MiB]`` (or ``MFOS_BENCH_FILES_MIB``; 1024 by default).
The last line is JSON.

Adding runs two threads (sealing beside hashing and writing), so on a machine whose cores are
busy with other work it cannot overlap them: the load average is printed with the figures, and
each is the best of ``ROUNDS`` alternating runs so a burst of load hits both alike.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl import bindings as sodium  # noqa: E402

from mainframe_os.node.files.crypto import MESSAGE  # noqa: E402
from mainframe_os.node.node import Node  # noqa: E402

MiB = 1024 * 1024
PASSWORD = "benchmark password"
ROUNDS = 3


def make_file(path: Path, size: int) -> None:
    piece = os.urandom(16 * MiB)
    with open(path, "wb") as f:
        left = size
        while left:
            f.write(piece[: min(left, len(piece))])
            left -= min(left, len(piece))
    os.sync()


def raw_secretstream(path: Path, cpu: list[float] | None = None) -> float:
    """The reference: read the file and seal it message by message, output discarded."""
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_push(state, sodium.crypto_secretstream_xchacha20poly1305_keygen())
    t0, c0 = time.perf_counter(), time.process_time()
    with open(path, "rb") as f:
        while data := f.read(MESSAGE):
            sodium.crypto_secretstream_xchacha20poly1305_push(state, data, None, 0)
    if cpu is not None:
        cpu.append(time.process_time() - c0)
    return time.perf_counter() - t0


def age(path: Path, out: Path) -> float:
    import pyrage

    recipient = pyrage.x25519.Identity.generate().to_public()
    t0 = time.perf_counter()
    pyrage.encrypt_file(str(path), str(out), [recipient])
    elapsed = time.perf_counter() - t0
    out.unlink()
    return elapsed


class PeakRss:
    """Samples this process's resident memory every 10 ms until stopped."""

    def __init__(self) -> None:
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def now() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def node_figures(home: Path, src: Path, results: dict[str, float | int]) -> None:
    node = Node(home)
    try:
        await node.call("vault_create", {"name": "bench", "password": PASSWORD})
        ident = (await node.call("identity_create", {"displayName": "Bench"}))["id"]
        await node.call("files_list", {})  # opens the block store before timing
        base = PeakRss.now()
        adds, raws, add_cpu, raw_cpu = [], [], [], []
        with PeakRss() as rss:
            for i in range(ROUNDS):
                raws.append(raw_secretstream(src, raw_cpu))
                t0, c0 = time.perf_counter(), time.process_time()
                await node.call("files_add", {"path": str(src), "name": f"big {i}"})
                adds.append(time.perf_counter() - t0)
                add_cpu.append(time.process_time() - c0)
                await node.call("files_remove", {"file": f"/big {i}"})
                await node.call("files_gc")
        results["add_s"], results["secretstream_s"] = min(adds), min(raws)
        # CPU seconds (all threads): the work each does, whatever else the machine is running
        results["add_cpu_s"], results["secretstream_cpu_s"] = min(add_cpu), min(raw_cpu)
        results["add_peak_rss_mib"] = round(rss.peak / MiB, 1)
        results["add_rss_growth_mib"] = round((rss.peak - base) / MiB, 1)
        await list_figures(node, ident, results)
    finally:
        await node.close()


async def list_figures(node: Node, ident: str, results: dict[str, float | int]) -> None:
    from mainframe_os.node.files import index

    def fill(s: object) -> None:
        for i in range(10_000):
            fields = {
                "folder": "/Many", "name": f"file {i:05}.txt", "size": i, "mime": "text/plain",
                "root_cid": f"bafkrei{i:052}", "stored_size": i + 41, "cipher": "bench", "file_key": os.urandom(32),
            }  # fmt: skip
            index.insert(s, ident, fields)  # type: ignore[arg-type]

    await node.db(fill)
    t0 = time.perf_counter()
    listed = await node.call("files_list", {"folder": "/Many"})
    results["list_10k_s"] = time.perf_counter() - t0
    assert len(listed["files"]) == 10_000


def main() -> None:
    mib = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MFOS_BENCH_FILES_MIB", "1024"))
    size = mib * MiB
    results: dict[str, float | int] = {"file_mib": mib}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "big.bin"
        make_file(src, size)
        raw_secretstream(src)  # warm the page cache and libsodium once, untimed
        results["age_s"] = age(src, Path(tmp) / "big.age")
        asyncio.run(node_figures(Path(tmp) / "home", src, results))
    for name in ("secretstream", "age", "add"):
        results[f"{name}_mb_s"] = round(size / 1e6 / results[f"{name}_s"], 1)
    results["add_vs_secretstream"] = round(results["add_mb_s"] / results["secretstream_mb_s"], 3)
    results["load_average"] = round(os.getloadavg()[0], 2)
    results["cpus"] = len(os.sched_getaffinity(0))
    print(f"add {results['add_mb_s']} MB/s vs raw secretstream {results['secretstream_mb_s']} MB/s "
          f"(x{results['add_vs_secretstream']}), age {results['age_mb_s']} MB/s; "
          f"load average {results['load_average']} on {results['cpus']} CPUs")  # fmt: skip
    print(f"CPU seconds: add {results['add_cpu_s']:.2f} vs raw secretstream {results['secretstream_cpu_s']:.2f}")
    print(f"list 10,000 files {results['list_10k_s'] * 1000:.0f} ms; peak RSS while adding "
          f"{results['add_peak_rss_mib']} MiB (+{results['add_rss_growth_mib']} MiB)")  # fmt: skip
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
