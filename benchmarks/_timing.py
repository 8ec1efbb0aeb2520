"""Timing helpers shared by the benchmarks (``make bench`` skips ``_*.py``)."""

from __future__ import annotations

import statistics
import time


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last result."""
    samples, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), out


def print_page_timings(client, urls, repeat: int, width: int = 50) -> None:
    """First request and warm median of each page, with its size; a page that does not
    answer 200 stops the benchmark."""
    print(f"{'page':<{width}} {'first':>8} {'warm':>8} {'size':>10}")
    for url in urls:
        t_first, response = timed(lambda u=url: client.get(u), 1)
        assert response.status_code == 200, (url, response.status_code)
        t_warm, response = timed(lambda u=url: client.get(u), repeat)
        print(f"{url:<{width}} {t_first * 1000:>6.0f}ms {t_warm * 1000:>6.0f}ms "
              f"{len(response.content) / 1000:>8.0f}kB")
