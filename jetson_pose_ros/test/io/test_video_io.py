"""Video I/O on real media: every input kind decodes the expected frames, every output
kind produces a file/stream that an independent reader (ffmpeg/ffprobe, OpenCV,
headless Chromium) confirms; flips, loop, size and rate options; RTSP and RTP over
loopback; bad inputs fail with a clear error within their timeout.

System tools (installed by scripts/install_system_deps.sh): ffmpeg/ffprobe, chromium,
GStreamer's RTSP server for the system python3 (python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-good).  A test needing one that is missing is skipped and says which.
A V4L2 camera cannot be attached here: the camera path is tested up to the open call.
"""
import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from jetson_pose_ros.core.errors import InputError
from jetson_pose_ros.io import FLIP_METHODS, open_output, open_source
from jetson_pose_ros.io.http import HttpSink

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it

from cli_helpers import posenet  # noqa: E402
from conftest import SHARED  # noqa: E402
VIDEO = Path(os.environ.get("JETSON_POSE_SHARED", SHARED)) / "data" / "video"
H264 = VIDEO / "mmpose_demo.mp4"          # H.264 960x540, 5 fps, 5 frames
VP9 = VIDEO / "sports2d_demo.mp4"         # VP9 1768x994, 30 fps, 230 frames

FFMPEG, FFPROBE, CHROMIUM = shutil.which("ffmpeg"), shutil.which("ffprobe"), \
    shutil.which("chromium") or shutil.which("chromium-browser")
SYS_PY = "/usr/bin/python3"
INSTALL = "install with scripts/install_system_deps.sh"
needs_ffmpeg = pytest.mark.skipif(not (FFMPEG and FFPROBE), reason=f"ffmpeg/ffprobe not installed ({INSTALL})")


def _has_gst_rtsp() -> bool:
    if not os.path.exists(SYS_PY):
        return False
    code = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    return subprocess.run([SYS_PY, "-c", code], capture_output=True).returncode == 0


# --- independent readers --------------------------------------------------------------
def ffprobe(path) -> dict:
    out = subprocess.run([FFPROBE, "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=codec_name,width,height,nb_read_frames:format=bit_rate,duration",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True, timeout=120)
    d = json.loads(out.stdout)
    return {**d["streams"][0], **d.get("format", {})}


def ffmpeg_frames(path, limit: int | None = None) -> list[np.ndarray]:
    """Decode with the ffmpeg CLI (not OpenCV) to BGR frames."""
    info = ffprobe(path)
    w, h = int(info["width"]), int(info["height"])
    cmd = [FFMPEG, "-v", "error", "-i", str(path), *(["-frames:v", str(limit)] if limit else []),
           "-f", "rawvideo", "-pix_fmt", "bgr24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True, timeout=120).stdout
    return list(np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return cv2.PSNR(np.ascontiguousarray(a), np.ascontiguousarray(b))


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def h264_frames():
    if not FFMPEG:
        pytest.skip(f"ffmpeg not installed ({INSTALL})")
    return ffmpeg_frames(H264)


# --- file and image inputs ---------------------------------------------------------------
@needs_ffmpeg
def test_h264_file_frames_match_ffmpeg(h264_frames):
    src = open_source(str(H264))
    assert (src.width, src.height, src.fps, len(src)) == (960, 540, 5.0, 5)
    frames = list(src)
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert np.allclose([f.timestamp for f in frames], [0, 0.2, 0.4, 0.6, 0.8], atol=1e-3)
    for f, ref in zip(frames, h264_frames):
        assert f.error is None and psnr(f.image, ref) > 40


@needs_ffmpeg
def test_vp9_file_all_frames():
    src = open_source(str(VP9))
    assert (src.width, src.height, len(src)) == (1768, 994, 230)
    ref = ffmpeg_frames(VP9, limit=3)
    n = 0
    for f in src:
        assert f.image is not None and f.image.shape == (994, 1768, 3), f.error
        if n < 3:
            assert psnr(f.image, ref[n]) > 40
        n += 1
    assert n == 230


@needs_ffmpeg
@pytest.mark.parametrize("codec,container", [("libx265", "mkv"), ("mjpeg", "avi"), ("libvpx", "webm"),
                                             ("libx264", "mov")])
def test_other_codecs_decode(tmp_path, h264_frames, codec, container):
    """H.265, MJPEG, VP8 files made by the ffmpeg CLI decode to the right frames."""
    path = tmp_path / f"clip.{container}"
    extra = ["-pix_fmt", "yuvj420p", "-q:v", "2"] if codec == "mjpeg" else ["-pix_fmt", "yuv420p", "-crf", "18"]
    if codec == "libvpx":
        extra += ["-b:v", "0"]
    subprocess.run([FFMPEG, "-v", "error", "-i", str(H264), "-an", "-c:v", codec, *extra, str(path)], check=True,
                   timeout=120)
    frames = list(open_source(str(path)))
    assert len(frames) == 5
    for f, ref in zip(frames, h264_frames):
        assert f.image.shape == (540, 960, 3) and psnr(f.image, ref) > 28


def test_image_directory_natural_order_and_glob(tmp_path, images):
    for name, src in (("img10.jpg", "humans_0.jpg"), ("img2.jpg", "humans_1.jpg"), ("img1.jpg", "humans_2.jpg")):
        shutil.copy(images / src, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    frames = list(open_source(str(tmp_path)))
    assert [Path(f.source).name for f in frames] == ["img1.jpg", "img2.jpg", "img10.jpg"]
    assert np.array_equal(frames[0].image, cv2.imread(str(images / "humans_2.jpg")))
    assert [Path(f.source).name for f in open_source(str(tmp_path / "img1*.jpg"))] == ["img1.jpg", "img10.jpg"]
    one = list(open_source(str(tmp_path / "img2.jpg"), loop=2))
    assert len(one) == 3 and [f.index for f in one] == [0, 1, 2]


@pytest.mark.parametrize("method", FLIP_METHODS)
def test_flip_methods(images, method):
    img = cv2.imread(str(images / "humans_1.jpg"))
    expected = {
        "none": img, "counterclockwise": np.rot90(img, 1), "rotate-180": np.rot90(img, 2),
        "clockwise": np.rot90(img, -1), "horizontal": img[:, ::-1], "vertical": img[::-1],
        "upper-left-diagonal": img.transpose(1, 0, 2),                    # (x, y) -> (y, x)
        "upper-right-diagonal": np.rot90(img, 2).transpose(1, 0, 2),      # (x, y) -> (H-1-y, W-1-x)
    }[method]
    (frame,) = list(open_source(str(images / "humans_1.jpg"), flip=method))
    assert np.array_equal(frame.image, expected)


def test_bad_flip_is_an_error(images):
    with pytest.raises(InputError, match="invalid flip method 'sideways'"):
        open_source(str(images / "humans_1.jpg"), flip="sideways")


def test_video_loop_size_and_rate():
    frames = list(open_source(str(H264), loop=2, width=480))
    assert len(frames) == 15 and all(f.image.shape == (270, 480, 3) for f in frames)
    stamps = [f.timestamp for f in frames]
    assert all(b > a for a, b in zip(stamps, stamps[1:]))          # monotonic across loops
    assert [f.index for f in frames] == list(range(15))
    # forever: stops only when the consumer does
    src = open_source(str(H264), loop=-1)
    it = iter(src)
    assert len([next(it) for _ in range(12)]) == 12 and len(src) == 0
    # 30 fps -> 10 fps: every third frame, 0.1 s apart
    src = open_source(str(VP9), rate=10, width=320, height=200)
    frames = list(src)
    assert len(frames) == len(src) == 77 and frames[0].image.shape == (200, 320, 3)
    assert np.allclose(np.diff([f.timestamp for f in frames]), 0.1, atol=0.005)
    assert src.output_fps == 10


# --- bad input -------------------------------------------------------------------------
def test_missing_v4l2_device_is_a_clear_error():
    t0 = time.monotonic()
    for uri in ("/dev/video57", "v4l2:///dev/video57"):
        with pytest.raises(InputError, match="no such V4L2 device"):
            open_source(uri)
    assert time.monotonic() - t0 < 2


def test_v4l2_open_call_on_a_non_camera_device():
    """No camera can be attached here: /dev/null is a character device, so this runs
    the V4L2 open call itself, which must fail cleanly."""
    with pytest.raises(InputError, match="cannot open as a V4L2 capture device"):
        open_source("v4l2:///dev/null", width=640, height=480, rate=30, codec="mjpeg")


def test_truncated_video_keeps_decoded_frames(tmp_path):
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(VP9.read_bytes()[:1_500_000])      # moov at the start: the first frames decode
    frames = list(open_source(str(bad)))
    good = [f for f in frames if f.image is not None]
    assert 20 < len(good) < 230 and frames[-1].image is None
    assert "truncated or corrupt" in frames[-1].error and f"after {len(good)} of 230" in frames[-1].error


@pytest.mark.parametrize("case", ["no_moov", "garbage", "empty"])
def test_unreadable_video_is_a_clear_error(tmp_path, case):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes({"no_moov": H264.read_bytes()[:100_000], "garbage": os.urandom(50_000), "empty": b""}[case])
    with pytest.raises(InputError, match="empty file" if case == "empty" else "cannot open video"):
        open_source(str(bad))


def test_unreachable_rtsp_fails_fast():
    port = free_port()
    t0 = time.monotonic()
    with pytest.raises(InputError, match=r"rtsp://cam:\*\*\*@127\.0\.0\.1.*cannot open stream"):
        open_source(f"rtsp://cam:secret@127.0.0.1:{port}/live", timeout=3)
    assert time.monotonic() - t0 < 5


def test_silent_rtsp_server_times_out():
    """A server that accepts the connection and never answers: error after the timeout, no hang."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    conns = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                pass
    th = threading.Thread(target=accept, daemon=True)
    th.start()
    try:
        t0 = time.monotonic()
        with pytest.raises(InputError, match="cannot open stream"):
            open_source(f"rtsp://127.0.0.1:{srv.getsockname()[1]}/live", timeout=2)
        assert 1.5 < time.monotonic() - t0 < 8
    finally:
        stop.set()
        th.join()
        for c in conns:
            c.close()
        srv.close()


def test_rtp_without_sender_times_out():
    t0 = time.monotonic()
    with pytest.raises(InputError, match="no video received|cannot receive RTP"):
        open_source(f"rtp://@:{free_port(socket.SOCK_DGRAM)}", codec="h264", timeout=2)
    assert time.monotonic() - t0 < 8


def test_bad_stream_arguments():
    with pytest.raises(InputError, match="unknown RTP codec"):
        open_source("rtp://@:5000", codec="theora")
    with pytest.raises(InputError, match="needs a port"):
        open_source("rtp://@")
    with pytest.raises(InputError, match="not supported"):
        open_source("csi://0")


# --- RTSP and RTP over loopback ------------------------------------------------------------
RTSP_SERVER = r'''
import sys, gi
gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
port, media, user, password = sys.argv[1:5]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(f"( filesrc location={media} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )")
auth = GstRtspServer.RTSPAuth()
token = GstRtspServer.RTSPToken()
token.set_string("media.factory.role", "user")
auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
server.set_auth(auth)
perms = GstRtspServer.RTSPPermissions()
perms.add_role_from_structure(Gst.Structure.from_string(
    "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0])
factory.set_permissions(perms)
server.get_mount_points().add_factory("/live", factory)
if server.attach(None) == 0:
    sys.exit("cannot listen")
print("ready", flush=True)
GLib.MainLoop().run()
'''


@pytest.fixture(scope="module")
def rtsp_server():
    """GStreamer's RTSP server (Debian gir1.2-gst-rtsp-server-1.0) serving the H.264 clip
    on 127.0.0.1 with basic authentication (cam / secret)."""
    if not _has_gst_rtsp():
        pytest.skip(f"GStreamer RTSP server for {SYS_PY} not installed ({INSTALL})")
    port = free_port()
    proc = subprocess.Popen([SYS_PY, "-c", RTSP_SERVER, str(port), str(H264), "cam", "secret"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        line = proc.stdout.readline() if ready else ""     # "ready" once listening
        if line.strip() != "ready":
            pytest.fail(f"RTSP server did not start: {proc.stderr.read()[-500:]}")
        yield f"127.0.0.1:{port}/live"
    finally:
        proc.kill()
        proc.wait()


def test_rtsp_client_with_credentials(rtsp_server, h264_frames):
    with open_source(f"rtsp://cam:secret@{rtsp_server}", timeout=5) as src:
        assert src.live and (src.width, src.height) == (960, 540) and len(src) == 0
        frames = list(src)
    good = [f for f in frames if f.image is not None]
    assert len(good) == 5, [f.error for f in frames]
    for f, ref in zip(good, h264_frames):     # the stream carries the file's own H.264 frames
        assert psnr(f.image, ref) > 40
    assert "cam:***@" in good[0].source        # the password is not repeated in messages/records


def test_rtsp_wrong_password_is_a_clear_error(rtsp_server):
    t0 = time.monotonic()
    with pytest.raises(InputError, match=r"cannot open stream.*credentials"):
        open_source(f"rtsp://cam:wrong@{rtsp_server}", timeout=3)
    assert time.monotonic() - t0 < 5


@needs_ffmpeg
def test_rtp_receiver_from_ffmpeg_sender(h264_frames):
    """The ffmpeg CLI streams H.264 over RTP to 127.0.0.1; the receiver decodes it."""
    port = free_port(socket.SOCK_DGRAM)
    port += port % 2                             # RTP on an even port (RTCP on the next one)
    sender = None

    def send():
        nonlocal sender
        time.sleep(0.5)                          # the receiver is listening by then
        sender = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-stream_loop", "2", "-i", str(H264), "-an",
                                   "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "5",
                                   "-f", "rtp", f"rtp://127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
        sender.wait(timeout=60)
    th = threading.Thread(target=send)
    th.start()
    try:
        with open_source(f"rtp://@:{port}", codec="h264", timeout=2, flip="horizontal") as src:
            frames = [f for f in src]
    finally:
        th.join()
    good = [f.image for f in frames if f.image is not None]
    assert len(good) >= 10, [f.error for f in frames]
    assert good[0].shape == (540, 960, 3)
    for img in good[:5]:                          # each is one of the clip's frames, flipped
        assert max(psnr(img[:, ::-1], ref) for ref in h264_frames) > 30
    assert all(f.error is None for f in frames)   # the sender stopping is the normal end of RTP


# --- outputs -------------------------------------------------------------------------------
def _frames_of(path, n=None):
    return [f for f in open_source(str(path))][:n]


def test_image_outputs(tmp_path):
    frames = _frames_of(H264, 3)
    for uri, names in ((str(tmp_path / "seq_%i.jpg"), ["seq_0.jpg", "seq_1.jpg", "seq_2.jpg"]),
                       (str(tmp_path / "pad_%04i.png"), ["pad_0000.png", "pad_0001.png", "pad_0002.png"]),
                       (str(tmp_path / "dir") + "/", [f"mmpose_demo_{i:06d}.jpg" for i in range(3)])):
        out = open_output(uri, multi_frame=True)
        for f in frames:
            out.write(None, f)
        out.close()
        written = sorted(p.name for p in Path(out.written[0]).parent.iterdir() if p.name[:3] == names[0][:3])
        assert written == names
    png = cv2.imread(str(tmp_path / "pad_0002.png"))
    assert np.array_equal(png, frames[2].image)                   # lossless
    single = open_output(str(tmp_path / "one.jpg"))
    single.write(None, frames[0])
    assert cv2.imread(str(tmp_path / "one.jpg")).shape == (540, 960, 3)


@needs_ffmpeg
@pytest.mark.parametrize("name,codec,expect", [("out.mp4", None, "h264"), ("out.mkv", "h265", "hevc"),
                                               ("out.webm", None, "vp9"), ("out.avi", "mjpeg", "mjpeg"),
                                               ("out.mp4", "mpeg4", "mpeg4"), ("out.webm", "vp8", "vp8")])
def test_video_file_output_codecs(tmp_path, h264_frames, name, codec, expect):
    frames = _frames_of(H264)
    out = open_output(str(tmp_path / name), fps=5, codec=codec)
    for f in frames:
        out.write(None, f)
    out.close()
    info = ffprobe(tmp_path / name)
    assert info["codec_name"] == expect and (info["width"], info["height"]) == (960, 540)
    assert int(info["nb_read_frames"]) == 5
    decoded = ffmpeg_frames(tmp_path / name)
    assert min(psnr(a, b) for a, b in zip(decoded, h264_frames)) > 28


@needs_ffmpeg
def test_video_bitrate_is_applied(tmp_path):
    frames = [f for _, f in zip(range(60), open_source(str(VP9), width=640))]
    sizes = {}
    for rate in (200_000, 2_000_000):
        path = tmp_path / f"b{rate}.mp4"
        out = open_output(str(path), fps=30, codec="h264", bitrate=rate)
        for f in frames:
            out.write(None, f)
        out.close()
        info = ffprobe(path)
        sizes[rate] = int(info["bit_rate"])
        assert int(info["nb_read_frames"]) == 60
    assert sizes[200_000] < 400_000 and sizes[2_000_000] > 3 * sizes[200_000], sizes


def test_opencv_writer_fallback(tmp_path):
    frames = _frames_of(H264)
    out = open_output(str(tmp_path / "cv.avi"), fps=5, codec="mjpeg", backend="opencv")
    for f in frames:
        out.write(None, f)
    out.close()
    back = _frames_of(tmp_path / "cv.avi")
    assert len(back) == 5 and psnr(back[0].image, frames[0].image) > 28


def test_unsupported_outputs_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="unknown codec 'xvid9'"):
        open_output(str(tmp_path / "a.mp4"), codec="xvid9")
    with pytest.raises(InputError, match="webm holds only vp8/vp9"):
        open_output(str(tmp_path / "a.webm"), codec="h264", backend="ffmpeg")
    with pytest.raises(InputError, match="not supported"):
        open_output("display://0")
    with pytest.raises(InputError, match="needs a host and port"):
        open_output("rtp://@")


@needs_ffmpeg
def test_rtp_sender_received_by_ffmpeg(tmp_path, h264_frames):
    """Our RTP sender -> the ffmpeg CLI as receiver (with an SDP written by the test)."""
    port = free_port(socket.SOCK_DGRAM)
    port += port % 2
    sdp = tmp_path / "recv.sdp"
    sdp.write_text(f"v=0\no=- 0 0 IN IP4 127.0.0.1\ns=test\nc=IN IP4 127.0.0.1\nt=0 0\n"
                   f"m=video {port} RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1\n")
    recv = subprocess.Popen([FFMPEG, "-v", "error", "-protocol_whitelist", "file,udp,rtp",
                             "-analyzeduration", "1000000", "-probesize", "32768", "-i", str(sdp),
                             "-frames:v", "12", "-f", "image2", "-c:v", "png", str(tmp_path / "rx_%03d.png")],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        frames = _frames_of(H264)
        out = open_output(f"rtp://127.0.0.1:{port}?sdp={tmp_path / 'sender.sdp'}", fps=5, codec="h264")
        for _ in range(4):
            for f in frames:
                out.write(None, f)
                time.sleep(0.05)
        out.close()
        _, err = recv.communicate(timeout=10)         # the receiver stops after 12 frames
    finally:
        if recv.poll() is None:
            recv.kill()
            _, err = recv.communicate()
    received = sorted(tmp_path.glob("rx_*.png"))
    assert len(received) == 12, err.decode(errors="replace")
    img = cv2.imread(str(received[-1]))
    assert img.shape == (540, 960, 3) and max(psnr(img, ref) for ref in h264_frames) > 28
    assert "H264/90000" in (tmp_path / "sender.sdp").read_text()


def _read_multipart_jpeg(url: str, timeout: float = 10) -> np.ndarray:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        assert resp.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        boundary = resp.headers["Content-Type"].split("boundary=")[1].encode()
        assert resp.readline().strip() == b"--" + boundary
        headers = {}
        while (line := resp.readline().strip()):
            k, v = line.decode().split(":", 1)
            headers[k.lower()] = v.strip()
        assert headers["content-type"] == "image/jpeg"
        data = resp.read(int(headers["content-length"]))
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _feed(out, image, stop: threading.Event):
    while not stop.is_set():
        out.show(image)
        time.sleep(0.05)


def test_http_view_page_and_mjpeg_stream():
    frame = _frames_of(H264, 1)[0].image
    out = open_output("http://127.0.0.1:0/")
    assert isinstance(out, HttpSink)
    stop = threading.Event()
    th = threading.Thread(target=_feed, args=(out, frame, stop), daemon=True)
    th.start()
    try:
        page = urllib.request.urlopen(out.url, timeout=10).read().decode()
        assert 'src="stream.mjpg"' in page
        img = _read_multipart_jpeg(out.url + "stream.mjpg")            # stdlib HTTP client
        assert img.shape == frame.shape and psnr(img, frame) > 30
        cap = cv2.VideoCapture(out.url + "stream.mjpg", cv2.CAP_FFMPEG)  # FFmpeg's own MJPEG reader
        ok, img2 = cap.read()
        cap.release()
        assert ok and psnr(img2, frame) > 30
        snap = urllib.request.urlopen(out.url + "frame.jpg", timeout=10).read()
        assert psnr(cv2.imdecode(np.frombuffer(snap, np.uint8), cv2.IMREAD_COLOR), frame) > 30
    finally:
        stop.set()
        th.join()
        out.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(out.url, timeout=2)


def test_http_port_in_use_is_a_clear_error():
    out = HttpSink("http://127.0.0.1:0/")
    try:
        with pytest.raises(InputError, match="cannot listen"):
            HttpSink(f"http://127.0.0.1:{out.port}/")
    finally:
        out.close()


@pytest.mark.skipif(not CHROMIUM, reason=f"chromium not installed ({INSTALL})")
def test_http_view_in_headless_chromium(tmp_path):
    """Headless Chromium loads the page; its screenshot shows the live frame."""
    frame = cv2.resize(_frames_of(H264, 1)[0].image, (640, 360))
    out = HttpSink("http://127.0.0.1:0/", title="pose test")
    stop = threading.Event()
    th = threading.Thread(target=_feed, args=(out, frame, stop), daemon=True)
    th.start()
    shot = tmp_path / "shot.png"
    try:
        res = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                              "--no-first-run", "--disable-background-networking", "--disable-component-update",
                              "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
                              "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=800,500",
                              "--timeout=4000", f"--screenshot={shot}", out.url],
                             capture_output=True, text=True, timeout=120)
    finally:
        stop.set()
        th.join()
        out.close()
    assert shot.exists(), res.stderr[-2000:]
    img = cv2.imread(str(shot))
    assert img.shape[:2] == (500, 800)
    assert out.served >= 1                                  # the browser pulled JPEG frames
    assert psnr(img[:360, :640], frame) > 25                # the frame, at the page's top-left


# --- the CLI with video options ---------------------------------------------------------------
@needs_ffmpeg
def test_cli_video_options(tmp_path):
    out = tmp_path / "out.webm"
    res = posenet(str(H264), str(out), "--input-flip=clockwise", "--input-width=480", "--input-height=270",
                  "--input-loop=1", "--output-codec=vp9", "--bitrate=500k", "--log-level=error")
    assert res.returncode == 0, res.stderr
    info = ffprobe(out)
    assert info["codec_name"] == "vp9" and (info["width"], info["height"]) == (270, 480)
    assert int(info["nb_read_frames"]) == 10


@needs_ffmpeg
def test_cli_truncated_video_keeps_processed_output(tmp_path):
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(VP9.read_bytes()[:400_000])
    n_good = sum(f.image is not None for f in open_source(str(bad)))
    assert n_good > 0
    res = posenet(str(bad), str(tmp_path / "out.mp4"), "--json", str(tmp_path / "r.jsonl"), "--input-width=320",
                  "--log-level=error")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "truncated or corrupt" in res.stderr
    assert int(ffprobe(tmp_path / "out.mp4")["nb_read_frames"]) == n_good
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == n_good


def test_cli_unreachable_stream_exit_2():
    t0 = time.monotonic()
    res = posenet(f"rtsp://127.0.0.1:{free_port()}/x", "--input-timeout=2", timeout=60)
    assert res.returncode == 2 and "cannot open stream" in res.stderr and "Traceback" not in res.stderr
    assert time.monotonic() - t0 < 30
