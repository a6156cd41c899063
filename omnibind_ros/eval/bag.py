"""Reading a rosbag2 bag: a directory with metadata.yaml, or a single .mcap or .db3 file.

``rosbags`` reads complete bags (split files, compression, both storages). A recording whose
robot lost power is an mcap file without its summary and end magic, which ``rosbags`` refuses
("File end magic is invalid."): such a file is read front to back with the ``mcap`` library
instead, as far as its last complete chunk, and the bag says where reading stopped.
Messages come in recorded order (log time), as serialized CDR bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from omnibind_ros.eval.errors import EvalError

BAG_SUFFIXES = (".mcap", ".db3")


@dataclass(frozen=True)
class BagMessage:
    topic: str
    msg_type: str
    log_time_ns: int  # when the recorder received it: the bag's clock
    data: bytes


@dataclass
class TopicInfo:
    name: str
    msg_type: str
    count: int


@dataclass
class BagSummary:
    path: Path
    storage: str  # mcap or sqlite3
    start_ns: int
    end_ns: int
    message_count: int
    topics: dict[str, TopicInfo]
    stopped: str = ""  # where and why reading ended early ('' when the whole bag was read)
    custom: dict[str, str] = field(default_factory=dict)  # metadata custom_data
    files: list[Path] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return max(0, self.end_ns - self.start_ns) / 1e9


class Bag:
    """An open bag; raises EvalError naming the file when it cannot be read at all."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise EvalError(f"{self.path}: no such bag (give a bag directory, .mcap or .db3)")
        self._files = _storage_files(self.path)
        try:
            self._source: _Source = _RosbagsSource(self.path)
        except Exception as err:  # rosbags raises many kinds; all mean "not readable so"
            if not (len(self._files) == 1 and self._files[0].suffix == ".mcap"):
                raise EvalError(
                    f"{self.path}: not a readable rosbag2 bag: {_reason(err)}"
                ) from None
            self._source = _McapStreamSource(self._files[0], _reason(err))
        self.summary = self._source.summary
        self.summary.files = self._files
        if not self.summary.message_count:
            raise EvalError(f"{self.path}: the bag holds no messages")

    def messages(self, topics: set[str]) -> Iterator[BagMessage]:
        """Messages of ``topics`` in recorded order; stops quietly where a cut file ends."""
        return self._source.messages(topics)


def _storage_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.suffix in BAG_SUFFIXES)


def _reason(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


class _Source:
    summary: BagSummary

    def messages(self, topics: set[str]) -> Iterator[BagMessage]:
        raise NotImplementedError


class _RosbagsSource(_Source):
    def __init__(self, path: Path) -> None:
        from rosbags.rosbag2 import Reader

        self._reader = Reader(_directory_or_file(path))
        self._reader.open()
        connections = self._reader.connections
        topics: dict[str, TopicInfo] = {}
        for connection in connections:
            info = topics.setdefault(
                connection.topic, TopicInfo(connection.topic, connection.msgtype, 0)
            )
            info.count += connection.msgcount
        storage = "sqlite3" if any(p.suffix == ".db3" for p in _storage_files(path)) else "mcap"
        count = self._reader.message_count
        self.summary = BagSummary(
            path,
            storage,
            self._reader.start_time if count else 0,
            # rosbags' end_time is one past the latest message
            self._reader.end_time - 1 if count else 0,
            count,
            topics,
            custom=dict(getattr(self._reader.storage, "metadata", None).custom or {}),
        )

    def messages(self, topics: set[str]) -> Iterator[BagMessage]:
        wanted = [c for c in self._reader.connections if c.topic in topics]
        if not wanted:
            return
        for connection, timestamp, data in self._reader.messages(connections=wanted):
            yield BagMessage(connection.topic, connection.msgtype, timestamp, bytes(data))


def _directory_or_file(path: Path) -> Path:
    """A bag directory without metadata.yaml (its recorder died) is read from its one file."""
    if path.is_dir() and not (path / "metadata.yaml").exists():
        files = _storage_files(path)
        if len(files) == 1:
            return files[0]
    return path


class _McapStreamSource(_Source):
    """A cut mcap file read front to back: every complete record before the cut."""

    def __init__(self, path: Path, refused: str) -> None:
        self._path = path
        topics: dict[str, TopicInfo] = {}
        start = end = count = 0
        last_good = 0
        for msg_type, topic, log_time in self._scan(path):
            info = topics.setdefault(topic, TopicInfo(topic, msg_type, 0))
            info.count += 1
            start = log_time if count == 0 else min(start, log_time)
            end = max(end, log_time)
            count += 1
            last_good = log_time
        if count == 0:
            raise EvalError(f"{path}: not a readable rosbag2 bag: {refused}")
        size = path.stat().st_size
        stopped = (
            f"{path.name} is cut short ({size / 2**20:.1f} MiB; rosbags: {refused}): "
            f"read {count} messages up to {(last_good - start) / 1e9:.2f} s into the recording, "
            f"{self._cut_reason}"
        )
        self.summary = BagSummary(path, "mcap", start, end, count, topics, stopped)

    def _scan(self, path: Path) -> Iterator[tuple[str, str, int]]:
        for schema, channel, message in self._records(path):
            yield (schema.name if schema else ""), channel.topic, message.log_time

    def _records(self, path: Path, topics: set[str] | None = None) -> Iterator:
        from mcap.exceptions import EndOfFile
        from mcap.reader import NonSeekingReader

        self._cut_reason = "where the file ends"
        with path.open("rb") as stream:
            reader = NonSeekingReader(stream)
            try:
                # File order, which is the order rosbag2 wrote (log-time order would load
                # everything first, and lose it all at the cut).
                yield from reader.iter_messages(topics, log_time_order=False)
            except EndOfFile:
                self._cut_reason = "where an incomplete record begins"
            except Exception as err:  # a cut through a chunk's compressed data, a bad length
                self._cut_reason = f"where a record is unreadable: {_reason(err)}"

    def messages(self, topics: set[str]) -> Iterator[BagMessage]:
        for schema, channel, message in self._records(self._path, topics):
            name = schema.name if schema else ""
            yield BagMessage(channel.topic, name, message.log_time, bytes(message.data))
