"""Browser view: an HTTP server sink (``http://@:PORT/``) for a robot without a screen.

``GET /`` is a page showing the live overlay stream, ``GET /stream.mjpg`` the stream
itself (``multipart/x-mixed-replace`` JPEGs, which every browser and OpenCV/FFmpeg
can show), ``GET /frame.jpg`` the newest frame.  Frames are JPEG-encoded only when
someone is watching, once per frame whatever the number of viewers.
``http://@:PORT`` listens on every interface, ``http://127.0.0.1:PORT`` on one;
port 0 picks a free port (see ``.port`` / ``.url``).
"""
from __future__ import annotations

import html
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import cv2
import numpy as np

from ..core.capture import Capture
from ..core.errors import InputError
from ..core.pose import PoseFrame
from ..pipeline.sinks import Sink

log = logging.getLogger(__name__)
BOUNDARY = "jpr-frame"

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{{margin:0;padding:0;background:#111;color:#ddd;font:14px sans-serif}}
img{{display:block;max-width:100vw;max-height:calc(100vh - 2em)}}p{{margin:.4em}}</style></head>
<body><img id="stream" src="stream.mjpg" alt="live stream">
<p>{title} &mdash; live overlay (<a href="frame.jpg" style="color:#8cf">snapshot</a>)</p>
</body></html>
"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class HttpSink(Sink):
    """Serves the images written to it (the overlay) to browsers as an MJPEG stream."""

    def __init__(self, uri: str = "http://@:8080/", title: str = "posenet", quality: int = 80):
        parts = urlsplit(uri.replace("@:", ":", 1) if "://@:" in uri else uri)
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is None:
            raise InputError(f"{uri}: the browser view needs a port, e.g. http://@:8080/")
        host = parts.hostname or "0.0.0.0"
        self.title = title
        self.quality = int(quality)
        self._cond = threading.Condition()
        self._image: np.ndarray | None = None
        self._seq = 0
        self._jpeg: tuple[int, bytes] | None = None
        self.closed = False
        self.frames = 0
        self.served = 0                   # JPEG frames sent to clients
        try:
            self.server = _Server((host, port), self._handler())
        except OSError as exc:
            raise InputError(f"{uri}: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
        self.port = self.server.server_address[1]
        self.url = f"http://{'localhost' if host == '0.0.0.0' else host}:{self.port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"http view :{self.port}", daemon=True)
        self._thread.start()
        log.info("browser view: %s", self.url)

    # --- frames ---------------------------------------------------------------
    def write(self, frame: PoseFrame | None, capture: Capture) -> None:
        self.show(capture.image)

    def show(self, image: np.ndarray) -> None:
        """Serve ``image`` as the newest frame."""
        with self._cond:
            self._image = image.copy()
            self._seq += 1
            self.frames += 1
            self._cond.notify_all()

    def jpeg(self, after: int = 0, timeout: float = 1.0) -> tuple[int, bytes] | None:
        """The newest frame as (sequence number, JPEG bytes), waiting up to ``timeout``
        seconds for one newer than ``after``; None if there is none (or closed)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._seq > after or self.closed, timeout) or self._seq <= after:
                return None
            if self._jpeg is None or self._jpeg[0] != self._seq:
                ok, buf = cv2.imencode(".jpg", self._image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
                if not ok:
                    return None
                self._jpeg = (self._seq, buf.tobytes())
            return self._jpeg

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    # --- HTTP -------------------------------------------------------------------
    def _handler(self):
        output = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"
            server_version = "jetson_pose_ros"

            def log_message(self, fmt, *args):  # noqa: N802 - stdlib name
                log.debug("http view: " + fmt, *args)

            def _send(self, code: int, ctype: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 - stdlib name
                path = urlsplit(self.path).path
                try:
                    if path in ("/", "/index.html"):
                        page = PAGE.format(title=html.escape(output.title))
                        self._send(200, "text/html; charset=utf-8", page.encode())
                    elif path == "/frame.jpg":
                        item = output.jpeg(0, timeout=5.0)
                        if item is None:
                            self._send(503, "text/plain", b"no frame yet\n")
                        else:
                            self._send(200, "image/jpeg", item[1])
                    elif path == "/stream.mjpg":
                        self._stream()
                    else:
                        self._send(404, "text/plain", b"not found\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                seq = 0
                while not output.closed:
                    item = output.jpeg(seq, timeout=1.0)
                    if item is None:
                        continue
                    seq, data = item
                    self.wfile.write(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                                     f"Content-Length: {len(data)}\r\n\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()
                    output.served += 1

        return Handler
