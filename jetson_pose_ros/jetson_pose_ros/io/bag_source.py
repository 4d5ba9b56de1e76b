"""Image frames from a rosbag2 directory (sqlite3 or MCAP storage) or a single ``.mcap`` / ``.db3``
file, read with ``rosbags`` (no ROS installation needed).

Every message of the image topic (``sensor_msgs/Image`` or ``CompressedImage``) is one frame, in
the order they were recorded.  ``Capture.timestamp`` is the image header's stamp in seconds (the
recording time when the header has no stamp); ``stamp_ns``, ``frame_id`` and ``log_time_ns`` keep
them exactly, for writing results stamped like their images.  A message that cannot be decoded is
an error frame; a file that stops being readable (truncated, corrupt) ends with one error frame
after the frames read so far.
"""
from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

from ..core.capture import Capture
from ..core.errors import InputError
from ..msgs.image_conversion import compressed_to_bgr, image_to_bgr
from . import rosbag
from .sources import Source

log = logging.getLogger(__name__)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."


class RecoveredMcap:
    """A truncated MCAP file (a recording cut off, with no summary at its end, which ``rosbags``
    needs) read from its start with the ``mcap`` library's ``StreamReader``: the messages up to the
    cut, then an error.  Same interface as the part of ``rosbags``' Reader that BagSource uses."""

    def __init__(self, path: Path):
        from mcap.records import Channel, Message, Schema    # noqa: F401 - fails early when missing

        self.path = path
        schemas, self.connections, by_id = {}, [], {}
        self.start_time = self.end_time = self.message_count = 0
        for rec in self._records(strict=False):
            if isinstance(rec, Schema):
                schemas[rec.id] = rec.name
            elif isinstance(rec, Channel):
                by_id[rec.id] = SimpleNamespace(id=rec.id, topic=rec.topic, msgtype=schemas.get(rec.schema_id, ""),
                                                msgcount=0)
                self.connections.append(by_id[rec.id])
            elif isinstance(rec, Message) and rec.channel_id in by_id:
                by_id[rec.channel_id].msgcount += 1
                self.start_time = min(self.start_time or rec.log_time, rec.log_time)
                self.end_time = max(self.end_time, rec.log_time)
                self.message_count += 1

    def _records(self, strict: bool):
        from mcap.records import Footer
        from mcap.stream_reader import StreamReader

        with open(self.path, "rb") as f:
            try:
                for rec in StreamReader(f).records:
                    yield rec
                    if isinstance(rec, Footer):
                        return
            except Exception as exc:
                if strict:
                    raise InputError(f"the file is cut off or damaged here ({_one_line(exc)})") from None
                return
        if strict:
            raise InputError("the file ends without an MCAP footer (truncated)")

    def messages(self, connections):
        from mcap.records import Message

        wanted = {c.id: c for c in connections}
        for rec in self._records(strict=True):
            if isinstance(rec, Message) and rec.channel_id in wanted:
                yield wanted[rec.channel_id], rec.log_time, rec.data

    def close(self) -> None:
        pass


def _open_reader(path: str):
    rosbag._rosbags()
    from rosbags.rosbag2 import Reader

    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file or directory")
    if p.is_file() and p.stat().st_size == 0:
        raise InputError(f"{path}: empty file")
    try:
        reader = Reader(p)
        reader.open()
    except InputError:
        raise
    except Exception as exc:     # rosbags raises ReaderError, but a damaged file can raise anything
        mcap_file = p if p.suffix.lower() == ".mcap" else next(iter(sorted(p.glob("*.mcap"))), None) \
            if p.is_dir() else None
        if mcap_file is not None:
            try:
                recovered = RecoveredMcap(mcap_file)
            except ImportError:
                recovered = None
            if recovered is not None and recovered.message_count:
                log.warning("%s: no MCAP summary (%s): reading the messages before the damage", path, _one_line(exc))
                return recovered
        raise InputError(f"{path}: not a readable rosbag2/MCAP recording ({_one_line(exc)})") from None
    return reader


def image_topics(reader) -> list[str]:
    return sorted({f"{c.topic} [{c.msgtype.rsplit('/', 1)[-1]}]" for c in reader.connections
                   if c.msgtype in rosbag.IMAGE_TYPES})


def choose_topic(reader, path: str, topic: str | None):
    """The connections of ``topic`` (or of the one image topic when ``topic`` is None), or a
    one-line InputError naming the image topics the recording has."""
    have = image_topics(reader)
    listing = f"image topics: {', '.join(have)}" if have else "it has no sensor_msgs/Image or CompressedImage topic"
    if topic is None:
        names = sorted({c.topic for c in reader.connections if c.msgtype in rosbag.IMAGE_TYPES})
        if len(names) != 1:
            raise InputError(f"{path}: choose the image topic with --topic ({listing})")
        topic = names[0]
    conns = [c for c in reader.connections if c.topic == topic]
    if not conns:
        raise InputError(f"{path}: no topic {topic} ({listing})")
    wrong = [c.msgtype for c in conns if c.msgtype not in rosbag.IMAGE_TYPES]
    if wrong:
        raise InputError(f"{path}: topic {topic} is {wrong[0]}, not sensor_msgs/msg/Image or CompressedImage "
                         f"({listing})")
    return topic, conns


class BagSource(Source):
    """The frames of one image topic of a recording (see the module doc)."""

    def __init__(self, path: str, topic: str | None = None, loop: int = 0, **options):
        super().__init__(path, loop, **options)
        self.path = path
        reader = _open_reader(path)
        try:
            self.topic, conns = choose_topic(reader, path, topic)
        except BaseException:
            reader.close()
            raise
        self.reader = reader
        self.connections = conns
        self.frame_count = sum(int(getattr(c, "msgcount", 0) or 0) for c in conns)
        duration = (reader.end_time - reader.start_time) / 1e9 if reader.message_count else 0.0
        self.fps = (self.frame_count - 1) / duration if duration > 0 and self.frame_count > 1 else 0.0
        self.ts = rosbag.typestore(())
        self.followed: dict = {}           # connection id -> callback (``follow``)

    def follow(self, topic: str, msgtype: str, callback) -> None:
        """Messages of ``topic`` (which must be ``msgtype``, e.g. a depth image or camera_info) go,
        deserialised and in recording order between the frames, to ``callback(msg)`` instead of being
        frames; a missing topic or another type is one ``InputError`` naming the ones there are."""
        conns = [c for c in self.reader.connections if c.topic == topic]
        if not conns:
            have = sorted({c.topic for c in self.reader.connections if c.msgtype == msgtype})
            raise InputError(f"{self.path}: no topic {topic} ({msgtype.rsplit('/', 1)[-1]} topics: "
                             f"{', '.join(have) or 'none'})")
        wrong = [c.msgtype for c in conns if c.msgtype != msgtype]
        if wrong:
            raise InputError(f"{self.path}: topic {topic} is {wrong[0]}, not {msgtype}")
        for c in conns:
            self.followed[c.id] = callback

    def _read_image(self, conn, raw) -> tuple:
        msg = self.ts.deserialize_cdr(raw, conn.msgtype)
        to_bgr = image_to_bgr if conn.msgtype.endswith("/Image") else compressed_to_bgr
        image = to_bgr(msg, self.max_pixels)       # larger than max_pixels: an error frame, not decoded
        return (image if image.flags.writeable else image.copy()), msg.header    # the overlay draws on it

    def _captures(self) -> Iterator[Capture]:
        rounds = 0
        while True:
            n = 0
            followed = [c for c in self.reader.connections if c.id in self.followed]
            messages = self.reader.messages(connections=self.connections + followed)
            while True:
                try:
                    conn, log_time, raw = next(messages)
                except StopIteration:
                    break
                except Exception as exc:    # truncated / corrupt storage: keep what was read
                    yield Capture(None, 0, self.path, error=f"{self.path}: reading {self.topic} stopped after {n} "
                                f"of {self.frame_count} messages ({_one_line(exc)})")
                    return
                if conn.id in self.followed:
                    self._hand_over(conn, raw)
                    continue
                n += 1
                try:
                    image, header = self._read_image(conn, raw)
                except Exception as exc:    # one bad message: an error frame, then go on
                    yield Capture(None, 0, self.path, log_time / 1e9, error=f"{self.path}: {self.topic} message {n}: "
                                f"{_one_line(exc)}", log_time_ns=int(log_time))
                    continue
                stamp = int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)
                stamp = stamp or int(log_time)
                yield Capture(image, 0, f"{self.path}:{self.topic}", stamp / 1e9, stamp_ns=stamp,
                            frame_id=str(header.frame_id), log_time_ns=int(log_time))
            if n < self.frame_count:
                yield Capture(None, 0, self.path, error=f"{self.path}: {self.topic} ended after {n} of "
                            f"{self.frame_count} messages (truncated or corrupt recording)")
                return
            rounds += 1
            if 0 <= self.loop < rounds:
                return

    def _hand_over(self, conn, raw) -> None:
        try:
            msg = self.ts.deserialize_cdr(raw, conn.msgtype)
        except Exception as exc:            # one bad message of a followed topic: say so, go on
            log.warning("%s: a %s message cannot be read (%s)", self.path, conn.topic, _one_line(exc))
            return
        self.followed[conn.id](msg)

    def close(self) -> None:
        reader, self.reader = getattr(self, "reader", None), None
        if reader is not None:
            reader.close()
