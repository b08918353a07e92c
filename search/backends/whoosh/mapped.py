"""Read a segment's files straight from the memory map instead of copying them at open.

Whoosh maps each compound segment file (`*.seg`) into memory, then opens every sub-file
(terms, postings, lengths, stored fields) as a `BufferFile`, whose constructor wraps the
mapped bytes in `io.BytesIO` - and `BytesIO` *copies* a memoryview. So opening an index read
and copied every segment in full: ~0.3 s for Reuters-21578 under load (0.01-0.06 s without the
copy), and at a million articles the whole 3.7 GB index, once per open and held in memory for
as long as the searcher lives. `MappedFile` gives Whoosh's `StructFile` methods the same file
interface over the memoryview, without the copy; the pages are read by the OS when a query
touches them.

Applied on import by `store` (every index is opened there); like the patches in `internals`,
it relies on whoosh-reloaded 2.7.5's `BufferFile`, whose version `internals` checks.
"""
from __future__ import annotations

from io import BytesIO

from whoosh.filedb import structfile  # type: ignore[import-untyped]


PEEK = 1024  # bytes `peek` returns: a postings block header's pickle is ~100-300 bytes


class MappedFile:
    """A read-only, seekable file over a memoryview (what Whoosh's StructFile calls)."""

    def __init__(self, view: memoryview) -> None:
        self._view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start, end = self._pos, len(self._view)
        if size is not None and size >= 0:
            end = min(start + size, end)
        self._pos = max(end, start)
        return bytes(self._view[start:end])

    def peek(self, size: int = 0) -> bytes:
        """Up to `PEEK` bytes ahead, without moving. `pickle.load` (Whoosh reads each postings
        block's header with it) prefetches through `peek` and then skips what it used with one
        `read`; without `peek` it calls `read` once per pickle opcode, ~20 Python calls a header."""
        return bytes(self._view[self._pos:self._pos + PEEK])

    def readinto(self, buffer) -> int:
        target = memoryview(buffer).cast("B")
        count = max(0, min(len(target), len(self._view) - self._pos))
        target[:count] = self._view[self._pos:self._pos + count]
        self._pos += count
        return count

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._view)
        if size is not None and size >= 0:
            end = min(self._pos + size, end)
        rest = bytes(self._view[self._pos:end])
        cut = rest.find(b"\n")
        line = rest if cut < 0 else rest[:cut + 1]
        self._pos += len(line)
        return line

    def __iter__(self):
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    """`BufferFile.__init__` without the copy of a memoryview (bytes are shared by BytesIO)."""
    self._buf = buf
    self._name = name
    self.file = MappedFile(buf) if isinstance(buf, memoryview) else BytesIO(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


structfile.BufferFile.__init__ = _buffer_file_init

__all__ = ["MappedFile"]
