"""Live streams for `make bench`: many open at once, each read as a browser reads it.

One thread reads every stream through a selector and notes when each heard each event,
so the benchmark can hold the board's budgets while they are open and measure how long
an event takes to reach all of them.
"""

import selectors
import socket
import threading
import time


class Streams:
    """``count`` open live streams, shared out over ``cookies`` (one member each)."""

    def __init__(self, port: int, cookies: list[str], count: int):
        self.selector = selectors.DefaultSelector()
        self.heard: list[list[float]] = [[] for _ in range(count)]  # times of "changed"
        self.lock = threading.Lock()
        self.closed = 0
        self._buffers: dict[int, bytes] = {}
        self._stop = threading.Event()
        for index in range(count):
            cookie = cookies[index % len(cookies)]
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            page = f"bench-{index:05d}"
            request = (
                f"GET /live?page={page} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Accept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
            )
            sock.sendall(request.encode())
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    raise RuntimeError(f"stream {index} closed before its headers")
                head += chunk
            status = head.split(b"\r\n", 1)[0]
            if b" 200 " not in status:
                raise RuntimeError(f"stream {index}: {status.decode()}")
            sock.setblocking(False)
            self._buffers[index] = head.split(b"\r\n\r\n", 1)[1]
            self.selector.register(sock, selectors.EVENT_READ, index)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            for key, _ in self.selector.select(timeout=0.2):
                now = time.monotonic()
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                if not data:
                    self.selector.unregister(key.fileobj)
                    key.fileobj.close()
                    with self.lock:
                        self.closed += 1
                    continue
                # Chunked transfer framing is left in the text; the event lines survive it.
                text = self._buffers[key.data] + data
                lines = text.split(b"\n")
                self._buffers[key.data] = lines.pop()
                changed = sum(1 for line in lines if line.strip() == b"event: changed")
                if changed:
                    with self.lock:
                        self.heard[key.data].extend([now] * changed)

    def counts(self) -> list[int]:
        """How many changes each stream has heard so far."""
        with self.lock:
            return [len(times) for times in self.heard]

    def next_after(self, counts: list[int], moment: float) -> list[float | None]:
        """For each stream, how long after ``moment`` it heard the change that followed
        ``counts`` (None if it has not heard one)."""
        with self.lock:
            return [
                times[seen] - moment if len(times) > seen else None
                for times, seen in zip(self.heard, counts, strict=True)
            ]

    def open_count(self) -> int:
        with self.lock:
            return len(self.heard) - self.closed

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
